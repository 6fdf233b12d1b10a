"""The MTA pipe's way in, ``flask --app web mail-in``: exit codes an MTA acts on, whatever fails.

An MTA reads a pipe's exit status as sysexits(3): 75 (EX_TEMPFAIL) keeps the message queued
and tries again later; other failures bounce it to the person who wrote. Only the message
itself may be refused for good (not mail, too large, a recipient outside the reply domain):
a bad setting, a database that is down, a folder that cannot be made or a bug exits 75.

Settings are read, and the database opened, while Flask loads the app, before any command of
the app runs. So this module is also a Flask plugin command (the ``flask.commands`` entry
point in ``pyproject.toml``): Flask finds it without loading the app, and it loads the app
itself, where a failure can still become 75, then runs the app's own ``mail-in``
(``web/inbound.py``). It imports nothing of Tandem's, so importing it cannot fail that way.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable

import click
from flask.cli import ScriptInfo

#: sysexits(3) codes the pipe exits with: done, message refused for good, try again later.
EX_OK, EX_DATAERR, EX_NOUSER, EX_TEMPFAIL = 0, 65, 67, 75


class PipeCommand(click.Command):
    """A command an MTA runs as a pipe: every failure not of the message's making exits 75."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        """Parse the command line; a wrong one is the MTA's set-up, so it exits 75 too."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as exc:
            exc.exit_code = EX_TEMPFAIL
            raise

    def invoke(self, ctx: click.Context):
        """Run the command, turning any error that escapes it into exit status 75."""
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except click.ClickException as exc:  # a setting Tandem refuses says which, in one line
            exc.exit_code = EX_TEMPFAIL
            raise
        except Exception as exc:
            click.echo(traceback.format_exc(), err=True)
            click.echo(f"mail-in: not stored, try again later: {exc}", err=True)
            raise SystemExit(EX_TEMPFAIL) from None


def pipe_options(command: Callable) -> Callable:
    """Add the pipe's command line: ``-f SENDER``, then recipients after ``-r`` or on their own.

    Postfix expands ``${recipient}`` into one argument per recipient, so ``-r ${recipient}``
    gives ``-r a b`` for a message to two addresses; ``-r a -r b`` and ``-- a b`` work too.
    """
    command = click.argument("recipients", nargs=-1)(command)
    command = click.option("--sender", "-f", default="", help="Envelope sender.")(command)
    return click.option(
        "--recipient", "-r", multiple=True, help="Envelope recipient (repeatable)."
    )(command)


@click.command("mail-in", cls=PipeCommand)
@pipe_options
@click.pass_context
def mail_in(ctx: click.Context, **params) -> None:
    """Store one raw message read on stdin; exit 0, 75 (try later), 65 or 67 (refused)."""
    app = ctx.ensure_object(ScriptInfo).load_app()
    ctx.with_resource(app.app_context())
    command = app.cli.get_command(ctx, "mail-in")
    if command is None:
        raise click.ClickException("the app has no mail-in command")
    ctx.invoke(command, **params)
