"""SECRET_KEY: refused when missing, public or short outside dev; earlier keys still verify."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from models import ActionItem, InboundMessage
from tests import mailfactory as mf
from web import create_app
from web.auth import create_user
from workers import settings as settings_mod
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.outbound.tokens import make_reply_address
from workers.settings import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent.parent

#: Keys as an operator would make them (long and random).
OLD_KEY, NEW_KEY = secrets.token_urlsafe(48), secrets.token_urlsafe(48)

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def keep_settings():
    """Put back the tests' settings after a test that configures others."""
    saved = settings_mod.get()
    yield
    settings_mod.configure(saved)


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"SECRET_KEY": ""},
        {"SECRET_KEY": "dev-insecure-change-me"},
        {"SECRET_KEY": "x" * 31},
        {"SECRET_KEY": NEW_KEY, "SECRET_KEY_PREVIOUS": "dev-insecure-change-me"},
        {"SECRET_KEY": NEW_KEY, "SECRET_KEY_PREVIOUS": "short"},
        {"SECRET_KEY": "dev-insecure-change-me", "TANDEM_ENV": "production"},
    ],
    ids=[
        "missing",
        "empty",
        "public default",
        "31 characters",
        "public previous",
        "short previous",
        "production",
    ],
)
def test_it_refuses_a_missing_public_or_short_key_outside_dev(environ):
    with pytest.raises(ConfigError, match=r"^SECRET_KEY(_PREVIOUS)? .*at least 32 characters"):
        load_settings(environ)


def test_it_starts_with_a_long_random_key_and_its_previous_ones():
    settings = load_settings({"SECRET_KEY": NEW_KEY, "SECRET_KEY_PREVIOUS": f"{OLD_KEY}, "})

    assert settings.tandem_env == "production"
    assert settings.verification_keys == (NEW_KEY, OLD_KEY)


def test_a_dev_run_makes_do_without_a_key():
    assert load_settings({"TANDEM_ENV": "dev"}).secret_key == "dev-insecure-change-me"


def test_it_names_a_bad_environment():
    with pytest.raises(ConfigError, match="^TANDEM_ENV "):
        load_settings({"TANDEM_ENV": "staging", "SECRET_KEY": NEW_KEY})


def test_the_web_app_refuses_the_public_key_so_nobody_can_forge_a_session(db, keep_settings):
    # With the public key, anyone could sign a coordinator's session cookie: no app starts.
    with pytest.raises(ConfigError, match="^SECRET_KEY is the public default"):
        create_app({"TANDEM_ENV": "production", "SECRET_KEY": "dev-insecure-change-me"})


def test_a_flask_command_stops_with_one_clear_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("TANDEM_ENV", "SECRET_KEY")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 't.db'}"

    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "web", "init-db"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    assert "Error: SECRET_KEY is not set: set a random value of at least 32" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "t.db").exists()


def test_make_run_makes_up_a_key_once_and_keeps_it_for_its_owner(tmp_path):
    spec = importlib.util.spec_from_file_location("tandem_run", ROOT / "scripts" / "run.py")
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)

    first = runner.stored_secret_key(tmp_path)
    again = runner.stored_secret_key(tmp_path)

    assert first == again
    assert len(first) >= 32
    assert load_settings({"SECRET_KEY": first}).secret_key == first  # a production-grade key
    assert (tmp_path / "secret-key").stat().st_mode & 0o777 == 0o600
    assert runner.dev_environment({}, {})["TANDEM_ENV"] == "dev"


def _configure(**changes) -> None:
    settings_mod.configure(dataclasses.replace(settings_mod.get(), **changes))


def _item_reply(signed_with: str) -> tuple[ActionItem, InboundMessage]:
    """Process Ada's "done" sent to her item's reply address signed with ``signed_with``."""
    settings = settings_mod.get()
    ada = mf.make_person()
    item = mf.make_item(ada)
    address = make_reply_address(signed_with, settings.reply_domain, ada.id, "item", item.id, 60)
    row, _ = inbound_store.store_raw(mf.reply("ada@example.org", address, "Done."), "smtp")
    inbound_worker.process(row.id)
    return ActionItem.get_by_id(item.id), InboundMessage.get_by_id(row.id)


def test_reply_addresses_signed_with_the_previous_key_keep_working(db, keep_settings):
    # Given the key changed after Ada's update request went out
    _configure(secret_key=NEW_KEY, secret_key_previous=(OLD_KEY,))
    # When she answers the address signed with the old key
    item, row = _item_reply(OLD_KEY)
    # Then her answer is applied
    assert (row.status, row.reason) == ("applied", "")
    assert item.status == "done"


def test_reply_addresses_signed_with_a_dropped_key_are_refused(db, keep_settings):
    _configure(secret_key=NEW_KEY, secret_key_previous=())

    item, row = _item_reply(OLD_KEY)

    assert (row.status, row.reason) == ("quarantined", "InvalidTokenError")
    assert item.status != "done"


def _logged_in_cookie(secret_key: str, database_url: str) -> str:
    """Log in on an app signing with ``secret_key``; return the session cookie it set."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": secret_key})
    client = app.test_client()
    token = TOKEN_RE.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    form = {"email": "coord@example.org", "password": "a long passphrase", "csrf_token": token}
    assert client.post("/auth/login", data=form).status_code == 302
    return client.get_cookie("session").value


@pytest.mark.parametrize(("previous", "logged_in"), [((OLD_KEY,), True), ((), False)])
def test_sessions_signed_with_the_previous_key_keep_working(db, keep_settings, previous, logged_in):
    # Given a coordinator who logged in before the key changed
    create_user("coord@example.org", "Cora", "a long passphrase")
    url = settings_mod.get().database_url
    cookie = _logged_in_cookie(OLD_KEY, url)
    # When the app restarts with a new key (and the old one as previous, or not)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": NEW_KEY,
            "SECRET_KEY_PREVIOUS": ",".join(previous),
        }
    )
    client = app.test_client()
    client.set_cookie("session", cookie)
    # Then the session still opens pages while the old key is listed, and not after
    page = client.get("/")
    assert (page.status_code == 200) is logged_in
    assert (page.status_code == 302 and "/auth/login" in page.headers["Location"]) is not logged_in
