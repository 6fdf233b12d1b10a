"""Secrets stay secret: the relay's password, the database's, SECRET_KEY, signed return paths
and reply addresses appear in no log line, no stored error, no link and no error page.

(Reply addresses in access and listener logs: test_secrets_in_logs.py.)
"""

from __future__ import annotations

import dataclasses
import logging
import re

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from models import AuditEvent, OutboundEmail, init_db
from tests import mailfactory as mf
from tests import services
from tests.followup_data import make_programme
from web import create_app
from workers import settings as settings_mod
from workers.followup import trigger
from workers.outbound import delivery, outbox, smtp
from workers.outbound.render import render
from workers.outbound.tokens import make_bounce_address
from workers.settings import load_settings

#: Secrets of the kind an operator configures.
SMTP_PASSWORD = "smtp-Pa55word-xyz"
DB_PASSWORD = "db-Pa55word-xyz"
SECRET_KEY = "k" * 24 + "-secret-key-of-the-app"

#: A link in an email's HTML, or a URL in its text.
URL_RE = re.compile(r"""(?:href|src)=["']([^"']+)["']|(https?://\S+)""")


class Refusing:
    """An SMTP server that answers MAIL FROM with ``code``, quoting the return path back."""

    def __init__(self, code: int) -> None:
        self.code = code

    async def handle_MAIL(self, server, session, envelope, address, options):
        return f"{self.code} 4.7.1 <{address}>: sender refused, user me:{SMTP_PASSWORD}@relay"


@pytest.fixture
def refusing_relay(db, request):
    """A relay refusing every sender with the code the test names, reached with a password."""
    controller = Controller(
        Refusing(request.param),
        hostname="127.0.0.1",
        port=services.free_port(),
        authenticator=lambda *args: AuthResult(success=True),
        auth_require_tls=False,
    )
    controller.start()
    saved = settings_mod.get()
    url = f"smtp://tandem:{SMTP_PASSWORD}@127.0.0.1:{controller.port}"
    settings_mod.configure(dataclasses.replace(saved, smtp_url=url, secret_key=SECRET_KEY))
    smtp.discard()
    yield controller
    smtp.discard()
    settings_mod.configure(saved)
    controller.stop()


def queued_email() -> OutboundEmail:
    ada = mf.make_person()
    with outbox.transaction():
        email = outbox.queue_email(
            "ping",
            ada,
            {"subject": "s", "body": "b", "recipient_name": "Ada"},
            key="k",
            about=("item", mf.make_item(ada).id),
        )
    return OutboundEmail.get_by_id(email.id)


def everything_recorded(email_id: int, caplog) -> str:
    """Return all a failed delivery left behind: log lines, the row's error, the audit trail."""
    row = OutboundEmail.get_by_id(email_id)
    audit = " ".join(str(e.data) for e in AuditEvent.select())
    # The relay's own log (aiosmtpd's "mail.log", running in this process) is not Tandem's.
    logged = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]
    return "\n".join([*logged, row.last_error or "", audit])


@pytest.mark.parametrize("refusing_relay", [451, 550], indirect=True, ids=["4xx", "5xx"])
def test_a_refused_delivery_records_no_password_and_no_signed_return_path(refusing_relay, caplog):
    # Given an email, and a relay that refuses it quoting the return path and the login
    caplog.set_level(logging.DEBUG)
    email = queued_email()
    signed = make_bounce_address(SECRET_KEY, settings_mod.get().reply_domain, email.id)
    signature = signed.split("@")[0].rsplit("-", 1)[1]
    # When Tandem tries to deliver it
    outcome = delivery.deliver(email.id)
    # Then the refusal is kept with its reason, without the password or the signature
    assert outcome in ("deferred", "failed")
    recorded = everything_recorded(email.id, caplog)
    assert "sender refused" in OutboundEmail.get_by_id(email.id).last_error
    assert f"bounce+{email.id}-" in recorded  # which email it was stays readable
    assert signature not in recorded
    assert SMTP_PASSWORD not in recorded
    assert SECRET_KEY not in recorded


def test_a_relay_that_cannot_be_reached_logs_no_password(db, caplog):
    caplog.set_level(logging.DEBUG)
    saved = settings_mod.get()
    url = f"smtp://tandem:{SMTP_PASSWORD}@127.0.0.1:9"
    settings_mod.configure(dataclasses.replace(saved, smtp_url=url))
    smtp.discard()
    try:
        email = queued_email()
        assert delivery.deliver(email.id) == "deferred"
    finally:
        settings_mod.configure(saved)
    assert SMTP_PASSWORD not in everything_recorded(email.id, caplog)


def test_a_bad_smtp_url_is_named_without_its_password():
    with pytest.raises(ValueError) as raised:
        smtp.parse_smtp_url(f"smpt://tandem:{SMTP_PASSWORD}@relay.example")
    assert SMTP_PASSWORD not in str(raised.value) and "***" in str(raised.value)


def test_the_settings_show_no_secret_when_printed():
    settings = load_settings(
        {
            "SECRET_KEY": SECRET_KEY + "-long-enough-for-production",
            "DATABASE_URL": f"postgresql://tandem:{DB_PASSWORD}@db.example/tandem",
            "SMTP_URL": f"smtp+starttls://tandem:{SMTP_PASSWORD}@relay.example:587",
            "INBOUND_HTTP_SECRET": "inbound-shared-secret",
        }
    )
    for shown in (repr(settings), str(settings), f"{settings!r}"):
        assert SECRET_KEY not in shown
        assert DB_PASSWORD not in shown and SMTP_PASSWORD not in shown
        assert "inbound-shared-secret" not in shown
        assert "relay.example" in shown  # the rest is still there to read


@pytest.fixture
def production_app(db):
    """The app as it runs in production: not TESTING, DEBUG off, a real key."""
    saved = settings_mod.get()
    app = create_app(
        {
            "DATABASE_URL": saved.database_url,
            "SECRET_KEY": SECRET_KEY + "-long-enough-for-production",
            "TANDEM_ENV": "production",
            "SMTP_URL": f"smtp://tandem:{SMTP_PASSWORD}@127.0.0.1:9",
        }
    )
    assert not app.debug and not app.testing
    yield app
    settings_mod.configure(saved)


def test_an_error_page_shows_no_traceback_and_no_secret(production_app, caplog):
    # Given a page that fails inside, with the relay's URL in the exception
    def broken():
        raise RuntimeError(f"cannot reach {settings_mod.get().smtp_url}")

    production_app.add_url_rule("/broken", "broken", broken)
    caplog.set_level(logging.ERROR)
    # When it is opened
    page = production_app.test_client().get("/broken")
    # Then the visitor gets a plain 500 page
    body = page.get_data(as_text=True)
    assert page.status_code == 500
    assert "Something went wrong on our side" in body
    for leak in ("Traceback", "RuntimeError", "cannot reach", SMTP_PASSWORD, SECRET_KEY, ".py"):
        assert leak not in body, leak
    # And the traceback went to the log, for the operator
    assert "RuntimeError" in caplog.text


def test_an_unreachable_database_shows_no_password(db, caplog):
    # Given the web app pointed at a PostgreSQL server that does not answer, with a password
    saved = settings_mod.get()
    url = f"postgresql://tandem:{DB_PASSWORD}@127.0.0.1:9/tandem"
    caplog.set_level(logging.DEBUG)
    try:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY + "-long-enough-x"})
        page = app.test_client().get("/auth/login")
    finally:
        settings_mod.configure(saved)
        init_db(saved.database_url)
    # Then the page is a plain 500, and neither it nor the log names the password
    assert page.status_code == 500
    body = page.get_data(as_text=True)
    assert DB_PASSWORD not in body and "Traceback" not in body and "psycopg2" not in body
    assert DB_PASSWORD not in caplog.text


def test_no_link_in_any_email_carries_a_reply_address(db):
    # Given a triggered cycle: invitations and update requests, each with its reply address
    world = make_programme()
    trigger.trigger(world["cycle"].id)
    emails = list(OutboundEmail.select())
    assert all(e.reply_to.startswith("reply+") for e in emails if e.kind == "update-request")
    for email in emails:
        # When each is rendered as sent
        _, text, html = render(email.kind, delivery.context_of(email))
        links = [a or b for a, b in URL_RE.findall(html + "\n" + text)]
        # Then no link carries the reply token: it travels only in Reply-To
        token = email.reply_to.split("@")[0]
        for link in links:
            assert "reply+" not in link and (not token or token not in link), (email.kind, link)
