"""Settings from the environment: defaults that run locally, bad values stop start-up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workers.settings import DEFAULTS, ConfigError, load_settings, setting_names

ROOT = Path(__file__).resolve().parent.parent


def test_it_runs_locally_with_no_variable_set():
    settings = load_settings({"TANDEM_ENV": "dev"})  # make run's and the tests' setting

    assert settings.database_url == "sqlite:///var/tandem.db"
    assert settings.smtp_url == "smtp://127.0.0.1:1025"
    assert settings.mailin_port == 2525
    assert settings.dev_mailbox is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SMTP_URL", "smtp+starttls://user:p%40ss@mail.example.org:587"),
        ("SMTP_URL", "smtps://mail.example.org"),
        ("DATABASE_URL", "postgresql://tandem:secret@db.example.org:5432/tandem"),
        ("DATABASE_URL", "postgres://db.example.org/tandem"),
        ("REDIS_URL", "rediss://:secret@redis.example.org:6380/1"),
        ("DEFAULT_TIMEZONE", "America/New_York"),
        ("DEV_MAILBOX", "yes"),
        ("IMAP_URL", "imaps://user:secret@imap.example.org"),
    ],
)
def test_it_accepts_good_values(name, value):
    settings = load_settings({"TANDEM_ENV": "dev", name: value})

    assert getattr(settings, name.lower()) in (value, True)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://db.example.org/tandem"),
        ("DATABASE_URL", "tandem.db"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("REDIS_URL", "redis://127.0.0.1:port/0"),
        ("SMTP_URL", "imap://mail.example.org"),
        ("SMTP_URL", "smtp://"),
        ("BASE_URL", "127.0.0.1:5000"),
        ("MAILIN_PORT", "twenty-five"),
        ("MAILIN_PORT", "70000"),
        ("MAX_INBOUND_BYTES", "10"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus_Mons"),
        ("DEFAULT_TIMEZONE", "../../etc/passwd"),
        ("DEV_MAILBOX", "maybe"),
        ("SCHEDULER_INTERVAL", "0"),
        ("SUMMARY_WITHIN_HOURS", "1.5"),
        ("REPLY_TOKEN_DAYS", "0"),
        ("IMAP_URL", "pop3://mail.example.org"),
        ("MAIL_FROM", "Tandem"),
        ("REPLY_DOMAIN", "localhost"),
        ("SECRET_KEY", ""),
        ("DEV_SMTP_PORT", "-1"),
        ("DELIVERY_LEASE_SECONDS", "soon"),
        ("SMTP_CA_FILE", "/nonexistent/ca.pem"),
        ("REMINDER_HOURS", "72,soon"),
        ("ITEM_REMINDER_DAYS", "-1"),
        ("NEXT_CYCLE_WEEKS", "0"),
    ],
)
def test_it_names_the_variable_with_a_bad_value(name, value):
    with pytest.raises(ConfigError, match=f"^{name} "):
        load_settings({name: value})


def test_it_has_a_default_for_every_setting():
    assert sorted(setting_names()) == sorted(DEFAULTS)


def test_it_documents_every_variable_and_its_default_in_env_example():
    text = (ROOT / ".env.example").read_text()
    documented = dict(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=(.*)$", text, re.MULTILINE))

    for name, default in DEFAULTS.items():
        assert name in documented, f"{name} is missing from .env.example"
        assert documented[name].strip('"') == default, f"{name}'s default differs"


def test_it_lists_every_variable_in_the_readme():
    text = (ROOT / "README.md").read_text()

    assert [name for name in DEFAULTS if f"`{name}`" not in text] == []


@pytest.mark.parametrize(
    ("name", "value"),
    [("DATABASE_URL", "mysql://db/tandem"), ("DEFAULT_TIMEZONE", "Nowhere/City")],
)
def test_it_stops_flask_commands_with_a_message_naming_the_variable(name, value, tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}", name: value}

    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "web", "init-db"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    assert f"Error: {name} " in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "t.db").exists()
