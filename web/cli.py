"""Command-line commands: ``flask --app web <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app

from models import User
from models.migrations import migrate


@click.command("init-db")
def init_db_command() -> None:
    """Create the tables, or upgrade an existing database to the latest schema."""
    applied = migrate()
    click.echo(f"Database ready (applied: {applied or 'nothing, already current'}).")


@click.command("create-user")
@click.argument("email")
@click.argument("name")
@click.password_option()
def create_user_command(email: str, name: str, password: str) -> None:
    """Create a coordinator login."""
    from web.auth import create_user

    if User.get_or_none(User.email == email.lower()):
        raise click.ClickException(f"a user with email {email} exists already")
    create_user(email, name, password)
    click.echo(f"Created coordinator {email}.")


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduler: find due work in the database and enqueue it, forever."""
    import workers  # noqa: F401  (sets up the broker)
    from workers.scheduler import run_forever

    run_forever(current_app.config["TANDEM"].scheduler_interval)


def init_app(app: Flask) -> None:
    """Register the commands with the app."""
    for command in (init_db_command, create_user_command, scheduler_command):
        app.cli.add_command(command)
