"""Command-line commands: ``flask --app web <command>``."""

from __future__ import annotations

import logging
import sys

import click
from flask import Flask, current_app

import workers.actors  # noqa: F401  (the broker and every actor: web enqueues work)
from models import User
from models.migrations import migrate
from web.access import ADMIN_ROLE
from web.auth import create_user
from web.cycles import cycle_cli
from web.inbound import COMMANDS as INBOUND_COMMANDS
from workers.accounts.errors import AccountError
from workers.accounts.passwords import check_name, check_new_password
from workers.dev import demo
from workers.dev.catcher import serve_forever
from workers.inbound.explain import explain_files
from workers.runtime.scheduler import run_forever
from workers.workspace.checks import normalize_email
from workers.workspace.errors import InvalidValue


@click.command("init-db")
def init_db_command() -> None:
    """Create the tables, or upgrade an existing database to the latest schema."""
    applied = migrate()
    click.echo(f"Database ready (applied: {applied or 'nothing, already current'}).")


def _read_password(from_stdin: bool) -> str:
    """Read a new password from the first line of standard input, or prompt for it twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _create_login(email: str, name: str, password: str, role: str) -> None:
    """Create a login after checking the address, the name and the password."""
    try:
        address = normalize_email(email)
        name = check_name(name)
        check_new_password(password, email=address)
    except (InvalidValue, AccountError) as exc:
        raise click.ClickException(str(exc)) from None
    if User.get_or_none(User.email == address):
        raise click.ClickException(f"a user with email {address} exists already")
    create_user(address, name, password, role=role)
    click.echo(f"Created {role} {address}.")


@click.command("create-user")
@click.argument("email")
@click.argument("name")
@click.password_option()
def create_user_command(email: str, name: str, password: str) -> None:
    """Create a coordinator login (a coordinator sees the programmes they coordinate)."""
    _create_login(email, name, password, "coordinator")


admin_cli = click.Group("admin", help="Administrators: logins that see every programme.")


@admin_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The administrator's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def admin_create_command(email: str, name: str, password_stdin: bool) -> None:
    """Create an administrator login, for example the first one of an empty database."""
    _create_login(email, name, _read_password(password_stdin), ADMIN_ROLE)


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduler: find due work in the database and enqueue it, forever."""
    # Its INFO lines say what each pass enqueued and why (due, a dead worker, a lost queue).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    run_forever(current_app.config["TANDEM"].scheduler_interval)


@click.command("catcher")
def catcher_command() -> None:
    """Run the dev mail catcher: an SMTP server whose mail the dev mailbox shows."""
    settings = current_app.config["TANDEM"]
    click.echo(f"Dev mail catcher listening on 127.0.0.1:{settings.dev_smtp_port}.")
    serve_forever(settings.dev_smtp_port, size_limit=settings.max_inbound_bytes)


@click.command("demo")
@click.option("--password-file", default="var/demo-coordinator-password", show_default=True)
def demo_command(password_file: str) -> None:
    """Load the demo programmes (only once) and print the demo coordinator's login."""
    from pathlib import Path

    email, password = demo.ensure_coordinator(Path(password_file))
    loaded = demo.load()
    click.echo("Demo data loaded." if loaded else "Demo data already there.")
    click.echo(f"Coordinator login: {email} / {password}")


@click.command("mail-parse")
@click.argument("files", nargs=-1, required=True)
def mail_parse_command(files: tuple[str, ...]) -> None:
    """Print how Tandem reads each message file, one JSON line per file; applies nothing."""
    for line in explain_files(files):
        click.echo(line)


def init_app(app: Flask) -> None:
    """Register the commands with the app."""
    for command in (init_db_command, create_user_command, scheduler_command, catcher_command):
        app.cli.add_command(command)
    app.cli.add_command(demo_command)
    app.cli.add_command(admin_cli)
    app.cli.add_command(mail_parse_command)

    app.cli.add_command(cycle_cli)

    for command in INBOUND_COMMANDS:
        app.cli.add_command(command)
