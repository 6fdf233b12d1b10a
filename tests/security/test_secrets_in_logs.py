"""Reply addresses work like passwords: never in URLs, never in access or SMTP logs."""

from __future__ import annotations

import logging
import os
import smtplib
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from models import InboundMessage
from tests import mailfactory as mf
from tests import services
from web import create_app
from workers import settings as settings_mod

ROOT = Path(__file__).resolve().parent.parent.parent

#: The inbound HTTP endpoint's shared secret in these tests.
SECRET = "inbound-http-secret"


@pytest.fixture
def token(db) -> str:
    """A genuine reply address, the secret that must stay out of URLs and logs."""
    ada = mf.make_person()
    return mf.reply_address(ada, "item", mf.make_item(ada).id)


@pytest.fixture
def app(db):
    current = settings_mod.get()
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": current.database_url,
            "SECRET_KEY": current.secret_key,
            "INBOUND_HTTP_SECRET": SECRET,
        }
    )


def post(url: str, raw: bytes, headers: dict[str, str] | None = None) -> int:
    """POST a raw message over real HTTP; return the status."""
    headers = {"Authorization": f"Bearer {SECRET}", **(headers or {})}
    request = urllib.request.Request(url, data=raw, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_http_way_in_reads_the_envelope_from_headers(app, token):
    raw = mf.reply("ada@example.org", token, "done")
    headers = {
        "Authorization": f"Bearer {SECRET}",
        "Tandem-Recipient": f"{token}, other@tandem.test",
        "Tandem-Sender": "ada@example.org",
    }

    answer = app.test_client().post("/inbound/mime", data=raw, headers=headers)

    assert answer.status_code == 201
    row = InboundMessage.get_by_id(answer.json["id"])
    assert (row.mail_from, row.rcpt_to) == ("ada@example.org", f"{token},other@tandem.test")


def test_the_http_way_in_refuses_an_envelope_in_the_url(app, token):
    raw = mf.reply("ada@example.org", token, "done")
    headers = {"Authorization": f"Bearer {SECRET}"}

    answer = app.test_client().post(
        "/inbound/mime", data=raw, headers=headers, query_string={"recipient": token}
    )

    assert answer.status_code == 400
    assert "Tandem-Recipient" in answer.json["error"]
    assert InboundMessage.select().count() == 0


def test_gunicorns_access_log_shows_no_query_string(db, token):
    # Given the web process as the Procfile runs it, with its access log on
    port = services.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings_mod.get().database_url,
        "INBOUND_HTTP_SECRET": SECRET,
    }
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    command += ["--access-logfile", "-", "web:create_app()"]
    web = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        services.wait_for_port(port, timeout=30)
        # When a client puts a reply address in the URL, and another sends it as it should
        raw = mf.reply("ada@example.org", token, "done")
        base = f"http://127.0.0.1:{port}/inbound/mime"
        assert post(f"{base}?recipient={token}", raw) == 400
        assert post(base, raw, {"Tandem-Recipient": token}) == 201
    finally:
        web.terminate()
        log = web.communicate(timeout=30)[0].decode()
    # Then the log has both requests, and no reply address
    assert log.count('"POST /inbound/mime HTTP/1.1"') == 2, log
    assert "reply+" not in log and "?" not in log


def test_the_dev_servers_request_log_shows_no_query_string(app, token, caplog):
    caplog.set_level(logging.INFO)
    server = make_server("127.0.0.1", services.free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/inbound/mime?recipient={token}"
        assert post(url, mf.reply("ada@example.org", token, "done")) == 400
    finally:
        server.shutdown()
        thread.join(timeout=10)
    logged = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("POST /inbound/mime HTTP/1.1" in line for line in logged), logged
    assert not any("reply+" in line for line in logged), logged


def test_the_smtp_listener_logs_no_reply_address(mailin, token, caplog):
    # Given a process that logs at INFO
    caplog.set_level(logging.INFO)
    # When a reply reaches the listener
    with smtplib.SMTP("127.0.0.1", mailin.port, timeout=10) as conn:
        conn.sendmail("ada@example.org", [token], mf.reply("ada@example.org", token, "done"))
    # Then it is stored, and its reply address is in no log line
    assert InboundMessage.select().count() == 1
    assert "reply+" not in caplog.text
