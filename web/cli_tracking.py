"""Tracking commands for the daily pass, materials and self-assessments, in the ``tracking``
group: ``flask --app web tracking daily PROGRAMME_ID`` and friends."""

from __future__ import annotations

import click
from flask import Flask

from models import Programme
from web.cli_reports import tracking_cli
from workers.tracking import materials, selfassess
from workers.tracking.daily import run_daily
from workers.tracking.material_replies import send_materials


def _programme(programme_id: int) -> Programme:
    found = Programme.get_or_none(Programme.id == programme_id)
    if found is None:
        raise click.ClickException(f"no programme with id {programme_id}")
    return found


@click.command("daily")
@click.argument("programme_id", type=int)
def daily_command(programme_id: int) -> None:
    """Run a programme's daily pass now: at-risk flags, interventions, questionnaires."""
    done = run_daily(_programme(programme_id).id)
    click.echo(", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in done.items()))


@click.command("materials-send")
@click.argument("programme_id", type=int)
def materials_send_command(programme_id: int) -> None:
    """Email each participant the programme's materials with their tracking links."""
    click.echo(f"Queued {send_materials(_programme(programme_id).id)} emails.")


@click.command("materials-import")
@click.argument("programme_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def materials_import_command(programme_id: int, path: str) -> None:
    """Record the completions a CSV file lists (email, material, completed)."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        result = materials.import_completions(_programme(programme_id).id, data)
    except materials.MaterialError as exc:
        raise click.ClickException(str(exc)) from None
    for problem in result.problems:
        click.echo(problem, err=True)
    click.echo(f"Recorded {result.recorded} completions ({result.known} known already).")


@click.command("competences")
@click.argument("programme_id", type=int)
@click.argument("names", nargs=-1, required=True)
def competences_command(programme_id: int, names: tuple[str, ...]) -> None:
    """Set the competences the self-assessment asks about, in order."""
    try:
        saved = selfassess.set_competences(_programme(programme_id).id, list(names))
    except selfassess.CompetenceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("; ".join(f"{c.position}) {c.name}" for c in saved))


#: The commands this module adds to the ``tracking`` group.
COMMANDS = (daily_command, materials_send_command, materials_import_command, competences_command)


def init_app(app: Flask) -> None:
    """Add the daily-pass, materials and self-assessment commands to the tracking group."""
    for command in COMMANDS:
        tracking_cli.add_command(command)
