"""Workspace commands: ``flask --app web programme ...`` and ``flask --app web people ...``.

Scripts rely on these names and outputs: ``programme create`` prints the new id alone on its
last line; ``people import`` exits 65 (EX_DATAERR) with one ``line N: reason`` per bad row
and writes nothing; ``people export`` writes the CSV to standard output.
"""

from __future__ import annotations

import getpass
import io
import sys

import click
from flask import Flask
from tqdm import tqdm

from models import Programme, db
from workers.workspace.csvfile import read_table
from workers.workspace.errors import CsvFileError, WorkspaceError
from workers.workspace.people_export import export_csv
from workers.workspace.people_import import apply_plan
from workers.workspace.people_plan import ImportPlan, plan_import
from workers.workspace.programmes import archive_programme, create_programme

#: Exit status when a file or some of its rows are bad (EX_DATAERR in sysexits.h).
EXIT_BAD_DATA = 65

#: Rows from which an import shows progress bars (on standard error).
PROGRESS_FROM = 1000

programme_cli = click.Group("programme", help="Create, list and archive programmes.")
people_cli = click.Group("people", help="Import and export a programme's people as CSV.")


def _actor() -> str:
    """Name who ran the command in the audit trail: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (some containers)
        return "cli"


def _programme(programme_id: int) -> Programme:
    programme = Programme.get_or_none(Programme.id == programme_id)
    if programme is None:
        raise click.ClickException(f"no programme with id {programme_id}")
    return programme


def _bar(total: int, label: str, rows: int) -> tqdm:
    """A progress bar on standard error, shown for files of PROGRESS_FROM rows or more."""
    return tqdm(total=total, desc=label, unit="row", file=sys.stderr, disable=rows < PROGRESS_FROM)


@programme_cli.command("create")
@click.argument("name")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    required=True,
    help="followup, mentoring or tracking; repeat it (or separate by commas) for several.",
)
@click.option("--timezone", default=None, help="IANA time zone [default: DEFAULT_TIMEZONE].")
@click.option("--description", default="", help="What the programme is for.")
def create_command(name: str, kinds: tuple[str, ...], timezone: str | None, description: str):
    """Create a programme and print its id alone on the last line."""
    try:
        programme = create_programme(
            name, kinds, timezone=timezone, description=description, actor=_actor()
        )
    except WorkspaceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created programme {programme.name!r} ({programme.kind}, {programme.timezone}).")
    click.echo(programme.id)


@programme_cli.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include archived programmes.")
def list_command(show_all: bool) -> None:
    """Print each programme: id, kinds, time zone and name, tab-separated."""
    query = Programme.select().order_by(Programme.name) if show_all else Programme.current()
    for programme in query:
        archived = "\tarchived" if programme.is_archived else ""
        click.echo(
            f"{programme.id}\t{programme.kind}\t{programme.timezone}\t{programme.name}{archived}"
        )


@programme_cli.command("archive")
@click.argument("programme_id", type=int)
def archive_command(programme_id: int) -> None:
    """Archive a programme: hidden from the main list, its data kept."""
    done = archive_programme(_programme(programme_id), actor=_actor())
    click.echo("Archived." if done else "Already archived.")


def _apply(plan: ImportPlan, rows: int, dry_run: bool, skip_invalid: bool) -> None:
    """Print the bad rows, then import the plan or say what it would do."""
    if plan.ignored_columns:
        click.echo(f"ignored columns: {', '.join(plan.ignored_columns)}", err=True)
    for bad in plan.bad:
        click.echo(str(bad))
    if plan.bad and not skip_invalid:
        click.echo(f"{len(plan.bad)} bad row(s): nothing imported.", err=True)
    elif dry_run:
        skip = f", skip {len(plan.bad)}" if plan.bad else ""
        click.echo(
            f"would create {len(plan.created)}, update {len(plan.updated)},"
            f" unchanged {len(plan.unchanged)}{skip}"
        )
    else:
        with _bar(len(plan.created) + len(plan.updated), "Importing", rows) as bar:
            result = apply_plan(
                plan, actor=_actor(), skip_invalid=skip_invalid, progress=bar.update
            )
        click.echo(str(result))


@people_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--programme", "programme_id", type=int, required=True, help="The programme's id.")
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change.")
@click.option("--skip-invalid", is_flag=True, help="Import the good rows, leaving out bad ones.")
@click.pass_context
def import_command(
    ctx: click.Context, file: str, programme_id: int, dry_run: bool, skip_invalid: bool
) -> None:
    """Import people from a CSV file into a programme: every row, or none if any is bad."""
    programme = _programme(programme_id)
    with click.open_file(file, "rb") as handle:
        data = handle.read()
    try:
        with db.atomic():  # what is checked is what is written
            table = read_table(data)
            with _bar(len(table.rows), "Checking", len(table.rows)) as bar:
                plan = plan_import(table, programme, bar.update)
            _apply(plan, len(table.rows), dry_run, skip_invalid)
    except CsvFileError as exc:
        click.echo(str(exc))
        ctx.exit(EXIT_BAD_DATA)
    if plan.bad and not skip_invalid:
        ctx.exit(EXIT_BAD_DATA)


@people_cli.command("export")
@click.option("--programme", "programme_id", type=int, required=True, help="The programme's id.")
def export_command(programme_id: int) -> None:
    """Write a programme's people as CSV to standard output (the columns the import reads)."""
    out = io.StringIO()
    export_csv(_programme(programme_id), out)
    click.echo(out.getvalue(), nl=False)


def init_app(app: Flask) -> None:
    """Register the programme and people commands with the app."""
    app.cli.add_command(programme_cli)
    app.cli.add_command(people_cli)
