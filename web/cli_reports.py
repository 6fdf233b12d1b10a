"""Report commands: ``flask --app web tracking report PROGRAMME_ID --out report.pdf``,
``tracking report-schedule PROGRAMME_ID --every-weeks N`` and ``tracking close PROGRAMME_ID``
(completion certificates)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from tqdm import tqdm

from models import Programme, clock
from workers.reports import programme, programme_pdf, recognition
from workers.reports.errors import ReportError
from workers.reports.schedule import set_schedule
from workers.tracking.scope import Scope

tracking_cli = click.Group("tracking", help="Progress tracking: reports for managers.")

#: The steps a programme report goes through, as its progress bar counts them.
REPORT_STEPS = ("headline figures", "correlations", "PDF")


@tracking_cli.command("report")
@click.argument("programme_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the PDF.")  # fmt: skip
@click.option("--quiet", is_flag=True, help="Show no progress.")
def report_command(programme_id: int, out: str, quiet: bool) -> None:
    """Write a programme's report for managers as a PDF, showing progress on standard error."""
    found = Programme.get_or_none(Programme.id == programme_id)
    if found is None:
        raise click.ClickException(f"no programme with id {programme_id}")
    with tqdm(total=len(REPORT_STEPS), unit="step", file=sys.stderr, disable=quiet) as bar:

        def step(name: str) -> None:
            bar.set_postfix_str(name)
            bar.update()

        report = programme.build(Scope(found.id), clock.now(), step)
        data = programme_pdf.render_pdf(report)
        step("PDF")
    with open(out, "wb") as handle:
        handle.write(data)
    click.echo(f"Wrote {out} ({len(data):,} bytes).")


@tracking_cli.command("report-schedule")
@click.argument("programme_id", type=int)
@click.option("--every-weeks", type=int, required=True, help="Weeks between reports; 0 stops.")
@click.option("--no-team", is_flag=True, help="Send no copies to mentors and facilitators.")
def report_schedule_command(programme_id: int, every_weeks: int, no_team: bool) -> None:
    """Send a programme's personal progress reports every N weeks."""
    try:
        row = set_schedule(programme_id, every_weeks, to_team=not no_team)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    when = row.next_at.isoformat(timespec="minutes") if row.next_at else "never"
    click.echo(f"Personal reports every {every_weeks} weeks; next {when} UTC.")


@tracking_cli.command("close")
@click.argument("programme_id", type=int)
def close_command(programme_id: int) -> None:
    """Send a completion certificate to everyone who completed the programme, cohort or not."""
    if Programme.get_or_none(Programme.id == programme_id) is None:
        raise click.ClickException(f"no programme with id {programme_id}")
    people = recognition.close_programme(programme_id, clock.now())
    click.echo(f"{len(people)} completion certificate{'' if len(people) == 1 else 's'} sent.")


def init_app(app: Flask) -> None:
    """Register the tracking commands with the app."""
    app.cli.add_command(tracking_cli)
