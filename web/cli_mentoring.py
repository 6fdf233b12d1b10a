"""Mentoring commands: ``flask --app web mentoring ...``.

``mentoring match PROGRAMME_ID --json`` prints exactly ``{"pairs": [...], "unmatched": [...]}``
and changes nothing; ``--apply`` also keeps the result as the draft proposal a coordinator
reviews on the page. Scripts may rely on both.
"""

from __future__ import annotations

import getpass

import click
from flask import Flask

from models import Programme
from workers import settings as settings_mod
from workers.mentoring.assessment import send_assessments
from workers.mentoring.errors import MentoringError
from workers.mentoring.matching import render_json
from workers.mentoring.pairing import approve
from workers.mentoring.proposals import compute, latest, propose

mentoring_cli = click.Group("mentoring", help="Run a mentoring programme: assess, match, pair.")


def _actor() -> str:
    """Name who ran the command in the records: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (some containers)
        return "cli"


def _programme(programme_id: int) -> Programme:
    programme = Programme.get_or_none(Programme.id == programme_id)
    if programme is None:
        raise click.ClickException(f"no programme with id {programme_id}")
    if not programme.has_kind("mentoring"):
        raise click.ClickException(f"programme {programme_id} is not a mentoring programme")
    return programme


def _review_url(programme: Programme) -> str:
    return f"{settings_mod.get().base_url}/mentoring/{programme.id}/review"


@mentoring_cli.command("match")
@click.argument("programme_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the pairs and unmatched as JSON.")
@click.option("--apply", "keep", is_flag=True, help="Keep the result as a draft for review.")
def match_command(programme_id: int, as_json: bool, keep: bool) -> None:
    """Match the programme's mentees to mentors and print the pairs; change nothing unless
    --apply is given."""
    programme = _programme(programme_id)
    computed = compute(programme)
    result = computed.result
    if as_json:
        click.echo(render_json(result))
    else:
        for pair in result.pairs:
            parts = ", ".join(f"{name} {value:.1f}" for name, value in pair.parts.items())
            click.echo(
                f"{pair.mentee} -> {pair.mentor}: score {pair.score:.1f} ({parts}), "
                f"{pair.shared_hours_per_week:.1f} h/week shared"
            )
        for left in result.unmatched:
            click.echo(f"{left.mentee}: unmatched, {left.reason}")
        click.echo(f"{len(result.pairs)} paired, {len(result.unmatched)} unmatched.")
    if keep:
        proposal = propose(programme, _actor(), computed)
        message = f"Kept as draft proposal {proposal.id}; review it at {_review_url(programme)}"
        click.echo(message, err=as_json)


@mentoring_cli.command("assess")
@click.argument("programme_id", type=int)
@click.option("--resend", is_flag=True, help="Ask again those who have not answered.")
def assess_command(programme_id: int, resend: bool) -> None:
    """Email the needs questionnaire to the programme's mentees not asked yet."""
    queued = send_assessments(_programme(programme_id), resend=resend)
    click.echo(f"{queued} questionnaires queued.")


@mentoring_cli.command("approve")
@click.argument("programme_id", type=int)
def approve_command(programme_id: int) -> None:
    """Approve the programme's draft proposal and send the introductions."""
    proposal = latest(_programme(programme_id))
    if proposal is None or proposal.status != "draft":
        raise click.ClickException("there is no draft proposal; run 'mentoring match --apply'")
    try:
        groups = approve(proposal.id, _actor())
    except MentoringError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Approved proposal {proposal.id}: {len(groups)} pairs introduced.")


def init_app(app: Flask) -> None:
    """Register the mentoring commands with the app."""
    app.cli.add_command(mentoring_cli)
