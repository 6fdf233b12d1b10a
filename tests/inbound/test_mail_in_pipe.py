"""`flask --app web mail-in` as an MTA runs it: several recipients, and exit codes it acts on.

Postfix (pipe(8)) expands ``${recipient}`` into one argument per recipient, and reads exit
status 75 as "try again later"; any other failure bounces the reply to its writer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from models import InboundMessage
from tests import mailfactory as mf

A, B = "reply+1-c-1-a-b@tandem.test", "reply+2-c-1-a-b@tandem.test"

#: A database nothing answers on (port 1 refuses connections).
DEAD_DATABASE = "postgresql://tandem@127.0.0.1:1/tandem"


def mail_in(raw: bytes, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run the pipe command as the MTA would, with ``env`` over the test environment."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "web", "mail-in", *args],
        input=raw,
        env={**os.environ, **env},
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def sqlite_url(settings) -> str:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the command's own process is exercised on SQLite")
    return settings.database_url


@pytest.mark.parametrize(
    "args",
    [
        ("-f", "ada@example.org", "-r", A, "-r", B),
        ("-f", "ada@example.org", "-r", A, B),  # what Postfix makes of -r ${recipient}
        ("-f", "ada@example.org", "--", A, B),
    ],
    ids=["-r twice", "-r then more", "after --"],
)
def test_it_stores_a_message_to_two_tandem_addresses_once(sqlite_url, args):
    # Given a reply copied to two Tandem addresses, piped with both recipients
    raw = mf.reply("ada@example.org", A, "1 done")
    # When the MTA runs the pipe
    done = mail_in(raw, *args, DATABASE_URL=sqlite_url)
    # Then it is stored once, with both envelope recipients
    assert done.returncode == 0, done.stderr
    [row] = InboundMessage.select()
    assert (row.channel, row.mail_from, row.rcpt_to) == ("pipe", "ada@example.org", f"{A},{B}")


def _unmakeable_sqlite(tmp_path: Path) -> str:
    """Return an SQLite URL whose folder cannot be made: its parent is a file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    return f"sqlite:///{blocker / 'var' / 'tandem.db'}"


@pytest.mark.parametrize(
    ("env", "args"),
    [
        ({"MAX_INBOUND_BYTES": "25MB"}, ("-r", A)),
        ({"DATABASE_URL": "unmakeable"}, ("-r", A)),
        ({"DATABASE_URL": DEAD_DATABASE}, ("-r", A, B)),
        ({"DATABASE_URL": "mysql://nowhere/tandem"}, ("-r", A)),
        ({}, ("--no-such-option", A)),
    ],
    ids=["bad size limit", "folder cannot be made", "database down", "bad URL", "bad argv"],
)
def test_every_failure_that_is_not_the_message_s_says_try_again(tmp_path, env, args):
    # Given a set-up the MTA's administrator must fix, not the writer of the reply
    if env.get("DATABASE_URL") == "unmakeable":
        env = {"DATABASE_URL": _unmakeable_sqlite(tmp_path)}
    # When a reply is piped
    done = mail_in(mf.reply("ada@example.org", A, "1 done"), *args, **env)
    # Then the MTA is told to keep it and try again later, and why
    assert done.returncode == 75, done.stderr
    assert done.stderr.strip()


@pytest.mark.parametrize(
    ("raw", "args", "code"),
    [
        (b"x" * 2000, ("-r", A), 65),
        (mf.reply("ada@example.org", A, "y" * 2000), ("-r", A), 65),
        (mf.reply("ada@example.org", A), ("-r", A, "someone@example.org"), 67),
    ],
    ids=["not mail", "too large", "foreign recipient"],
)
def test_a_message_that_is_at_fault_is_still_refused_for_good(sqlite_url, raw, args, code):
    done = mail_in(raw, *args, DATABASE_URL=sqlite_url, MAX_INBOUND_BYTES="1024")
    assert done.returncode == code, done.stderr
    assert InboundMessage.select().count() == 0
