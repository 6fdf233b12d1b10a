"""The dev mail catcher, the dev mailbox pages and replies "as the recipient"."""

from __future__ import annotations

import email.policy
import os
import signal
import smtplib
import subprocess
import sys
from email.message import EmailMessage

import icalendar
import pytest

from models import CaughtMail, User
from tests import services
from tests.web.test_auth import csrf_token, login
from web.auth import create_user
from workers.dev import catcher
from workers.dev import replyas as devreply

ORIGINAL = """\
From: Tandem <tandem@tandem.test>
To: Ada Lovelace <ada@example.org>
Reply-To: Tandem <reply+abc123@tandem.test>
Subject: {subject}
Date: Sun, 22 Nov 2026 09:30:00 +0000
Message-ID: {message_id}
References: <earlier@tandem.test>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Hello Ada,
How is the action plan going?

--b1
Content-Type: text/html; charset=utf-8

{html}
--b1--
"""

HOSTILE = "<script>alert('pwned')</script>"

INVITE = """\
BEGIN:VCALENDAR
PRODID:-//Tandem//Invites//EN
VERSION:2.0
METHOD:REQUEST
BEGIN:VEVENT
UID:session-42@tandem.test
SEQUENCE:3
DTSTAMP:20261122T090000Z
DTSTART:20261201T140000Z
DTEND:20261201T150000Z
SUMMARY:Follow-up review
ORGANIZER;CN=Tandem:mailto:reply+abc123@tandem.test
ATTENDEE;CN=Ada Lovelace;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ada@example.org
END:VEVENT
END:VCALENDAR
"""


def original(
    subject: str = "Your update for the follow-up review",
    message_id: str = "<m1@tandem.test>",
    html: str = "<p>Hello <b>Ada</b></p>",
) -> bytes:
    """Return a caught message in wire format."""
    text = ORIGINAL.format(subject=subject, message_id=message_id, html=html)
    return text.replace("\n", "\r\n").encode()


def invitation() -> bytes:
    """Return an invitation with a text/calendar REQUEST part and an attachment."""
    msg = EmailMessage()
    msg["From"] = "Tandem <tandem@tandem.test>"
    msg["To"] = "Ada Lovelace <ada@example.org>"
    msg["Reply-To"] = "reply+abc123@tandem.test"
    msg["Subject"] = "Invitation: Follow-up review"
    msg["Message-ID"] = "<invite-1@tandem.test>"
    msg.set_content("You are invited.")
    msg.add_alternative(INVITE, subtype="calendar", params={"method": "REQUEST"})
    msg.make_mixed()
    msg.add_attachment(
        b"%PDF-1.4 brief", maintype="application", subtype="pdf", filename="brief.pdf"
    )
    return msg.as_bytes(policy=email.policy.SMTP)


@pytest.fixture
def running_catcher(db):
    """A running dev mail catcher on a free port (small size limit to test it)."""
    controller = catcher.make_controller(services.free_port(), size_limit=64 * 1024)
    controller.start()
    yield controller
    controller.stop()


def send_to(controller, raw: bytes, rcpts=("ada@example.org",)) -> None:
    """Deliver ``raw`` to the catcher in a real SMTP session."""
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as conn:
        conn.sendmail("bounce+1@tandem.test", list(rcpts), raw)


def mailbox_client(mailin_port: int):
    """Return a logged-in client of an app with the dev mailbox on, replying to ``mailin_port``."""
    from web import create_app
    from workers import settings as settings_mod

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": settings_mod.get().database_url,
            "DEV_MAILBOX": "1",
            "MAILIN_HOST": "127.0.0.1",
            "MAILIN_PORT": str(mailin_port),
        }
    )
    client = app.test_client()
    if not User.select().exists():
        create_user("coord@example.org", "Cora", "pw-123456")
    assert login(client, "coord@example.org", "pw-123456").status_code == 302
    return client


@pytest.fixture
def mailbox(db, smtp_sink):
    """A logged-in dev mailbox whose replies go to ``smtp_sink``, standing in for the listener."""
    return mailbox_client(smtp_sink.port)


def test_it_stores_what_it_catches(running_catcher):
    # When a message arrives over SMTP
    send_to(running_catcher, original(), rcpts=("ada@example.org", "bob@example.org"))
    # Then it is stored whole, with its envelope
    row = CaughtMail.get()
    assert bytes(row.raw) == original()
    assert row.mail_from == "bounce+1@tandem.test"
    assert row.recipients == ["ada@example.org", "bob@example.org"]
    assert row.message_id == "<m1@tandem.test>"
    assert row.subject == "Your update for the follow-up review"
    assert row.received_at is not None


def test_it_stores_a_message_id_once(running_catcher):
    # Given a message, and an outbox retry of it with a fresh Date header
    first = original()
    retry = first.replace(b"09:30:00", b"09:35:00")
    # When both arrive, and the first again
    for raw in (first, retry, first):
        send_to(running_catcher, raw)
    # Then one row is kept, which tells it was resent
    assert CaughtMail.select().count() == 1
    assert CaughtMail.get().deliveries == 3
    send_to(running_catcher, original(message_id="<m2@tandem.test>"))
    assert CaughtMail.select().count() == 2


def test_it_adds_recipients_of_a_repeated_message_id(running_catcher):
    send_to(running_catcher, original(), rcpts=("ada@example.org",))
    send_to(running_catcher, original(), rcpts=("bob@example.org", "ada@example.org"))
    assert CaughtMail.get().recipients == ["ada@example.org", "bob@example.org"]


def test_it_dedupes_messages_without_message_id_by_content(running_catcher):
    raw = original().replace(b"Message-ID: <m1@tandem.test>\r\n", b"")
    send_to(running_catcher, raw)
    send_to(running_catcher, raw)
    send_to(running_catcher, raw.replace(b"Hello Ada", b"Hi Ada"))
    assert CaughtMail.select().count() == 2


def test_it_refuses_messages_over_the_size_limit(running_catcher):
    huge = original(html="<p>" + "x" * 100_000 + "</p>")
    with pytest.raises(smtplib.SMTPException) as caught:
        send_to(running_catcher, huge)
    assert "552" in str(caught.value)
    assert CaughtMail.select().count() == 0


def test_it_decodes_encoded_subjects(db):
    raw = original(subject="=?utf-8?q?R=C3=A9union_de_suivi?=")
    row, new = catcher.store_caught(raw, "a@b.test", ["ada@example.org"])
    assert new
    assert row.subject == "Réunion de suivi"


def test_it_survives_garbage(db):
    row, new = catcher.store_caught(b"\x00\xff not a mail \r\nSubject: =?bad?x?\xff?=\r\n\r\n")
    assert new
    assert CaughtMail.get_by_id(row.id).size > 0


def test_it_lists_caught_mail_newest_first(mailbox):
    catcher.store_caught(original(subject="Older one", message_id="<a@t>"), "", ["ada@example.org"])
    catcher.store_caught(original(subject="Newer one", message_id="<b@t>"), "", ["bob@example.org"])
    page = mailbox.get("/devmail/").get_data(as_text=True)
    assert page.index("Newer one") < page.index("Older one")
    assert "received 2×" not in page
    catcher.store_caught(original(subject="Older one", message_id="<a@t>"), "", ["ada@example.org"])
    assert "received 2×" in mailbox.get("/devmail/").get_data(as_text=True)
    assert "bob@example.org" in page
    assert 'href="/devmail/"' in page  # the nav link


def test_it_hides_the_mailbox_when_the_catcher_is_off(client, db):
    create_user("coord@example.org", "Cora", "pw-123456")
    login(client, "coord@example.org", "pw-123456")
    assert client.get("/devmail/").status_code == 404
    assert "Dev mailbox" not in client.get("/").get_data(as_text=True)


def test_it_asks_for_login(db, smtp_sink, mailbox):
    mailbox.post("/auth/logout", data={"csrf_token": csrf_token(mailbox, "/")})
    assert mailbox.get("/devmail/").status_code == 302


def test_it_escapes_hostile_content(mailbox):
    # Given a mail with a script in its subject and HTML body
    raw = original(subject=HOSTILE, html=f"<p>hi</p>{HOSTILE}<img src=x onerror=alert(1)>")
    row, _ = catcher.store_caught(raw, "", ["ada@example.org"])
    # Then the list and message pages show it escaped, never inline
    for path in ("/devmail/", f"/devmail/{row.id}"):
        page = mailbox.get(path).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "onerror=alert" not in page
    assert "&lt;script&gt;" in mailbox.get("/devmail/").get_data(as_text=True)
    # And the HTML body is served alone, sandboxed, under a policy allowing no script
    show = mailbox.get(f"/devmail/{row.id}").get_data(as_text=True)
    assert f'<iframe class="mail-html" sandbox src="/devmail/{row.id}/html"' in show
    body = mailbox.get(f"/devmail/{row.id}/html")
    csp = body.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "sandbox" in csp
    assert "script-src" not in csp
    assert body.headers["X-Content-Type-Options"] == "nosniff"


def test_it_shows_text_calendar_and_attachments(mailbox):
    row, _ = catcher.store_caught(invitation(), "", ["ada@example.org"])
    page = mailbox.get(f"/devmail/{row.id}").get_data(as_text=True)
    assert "You are invited." in page
    assert "UID:session-42@tandem.test" in page
    assert "brief.pdf" in page
    assert all(f'value="{v}"' in page for v in ("ACCEPTED", "DECLINED", "TENTATIVE"))
    index = next(i for i, p in enumerate(devreply.parse(invitation()).walk()) if p.get_filename())
    download = mailbox.get(f"/devmail/{row.id}/part/{index}")
    assert download.data == b"%PDF-1.4 brief"
    assert download.headers["Content-Disposition"] == 'attachment; filename="brief.pdf"'
    assert download.mimetype == "application/octet-stream"
    assert mailbox.get(f"/devmail/{row.id}/part/99").status_code == 404


def test_it_sanitises_attachment_names(mailbox):
    msg = devreply.parse(invitation())
    msg.add_attachment(b"x", maintype="text", subtype="plain", filename='../../etc/pa"sswd')
    row, _ = catcher.store_caught(msg.as_bytes(), "", ["ada@example.org"])
    index = len(list(msg.walk())) - 1
    download = mailbox.get(f"/devmail/{row.id}/part/{index}")
    assert download.headers["Content-Disposition"] == 'attachment; filename="etc_passwd"'


def test_it_composes_a_reply_like_a_mail_client():
    msg = devreply.parse(original())
    reply = devreply.compose_reply(msg, "ada@example.org", "Done, 80% there.\r\n")
    assert reply["From"] == "Ada Lovelace <ada@example.org>"
    assert reply["To"] == "reply+abc123@tandem.test"
    assert reply["Subject"] == "Re: Your update for the follow-up review"
    assert reply["In-Reply-To"] == "<m1@tandem.test>"
    assert reply["References"] == "<earlier@tandem.test> <m1@tandem.test>"
    assert reply["Message-ID"].endswith("@example.org>")
    body = reply.get_content()
    assert body.startswith("Done, 80% there.\n\nOn Sun, 22 Nov 2026 at 09:30, ")
    assert (
        "Tandem <tandem@tandem.test> wrote:\n> Hello Ada,\n> How is the action plan going?" in body
    )


def test_it_does_not_stack_re_prefixes():
    msg = devreply.parse(original(subject="RE: Your update"))
    assert devreply.compose_reply(msg, "ada@example.org", "ok")["Subject"] == "RE: Your update"


def test_it_quotes_html_only_mail_as_text():
    msg = EmailMessage()
    msg["From"] = "tandem@tandem.test"
    msg["Subject"] = "Hi"
    msg.set_content("<p>Only <b>HTML</b> here</p>", subtype="html")
    body = devreply.compose_reply(msg, "ada@example.org", "Thanks").get_content()
    assert "> Only **HTML** here" in body


@pytest.mark.parametrize("partstat", ["ACCEPTED", "DECLINED", "TENTATIVE"])
def test_it_composes_an_itip_reply_like_a_calendar_client(partstat):
    reply = devreply.compose_rsvp(devreply.parse(invitation()), "ada@example.org", partstat)
    assert reply["To"] == "reply+abc123@tandem.test"
    assert reply["In-Reply-To"] == "<invite-1@tandem.test>"
    assert reply["Subject"] == f"{devreply.PARTSTATS[partstat]}: Follow-up review"
    part = next(p for p in reply.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REPLY"
    cal = icalendar.Calendar.from_ical(part.get_content())
    assert cal["METHOD"] == "REPLY"
    (event,) = cal.walk("VEVENT")
    assert event["UID"] == "session-42@tandem.test"
    assert event["SEQUENCE"] == 3
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:ada@example.org"
    assert attendee.params["PARTSTAT"] == partstat
    assert attendee.params["CN"] == "Ada Lovelace"


@pytest.mark.parametrize(
    ("good", "bad"),
    [("SEQUENCE:3", "SEQUENCE:abc"), ("DTSTART:20261201T140000Z", "DTSTART:soon")],
)
def test_it_answers_invitations_with_broken_values(good, bad):
    raw = invitation().replace(good.encode(), bad.encode())
    assert bad.encode() in raw
    reply = devreply.compose_rsvp(devreply.parse(raw), "ada@example.org", "DECLINED")
    part = next(p for p in reply.walk() if p.get_content_type() == "text/calendar")
    (event,) = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")
    assert event["UID"] == "session-42@tandem.test"
    assert event["SEQUENCE"] == (0 if "abc" in bad else 3)


def test_it_refuses_to_rsvp_without_an_invitation():
    with pytest.raises(devreply.NoCalendarRequestError):
        devreply.compose_rsvp(devreply.parse(original()), "ada@example.org", "ACCEPTED")
    with pytest.raises(devreply.DevReplyError):
        devreply.compose_rsvp(devreply.parse(invitation()), "ada@example.org", "MAYBE")


def test_it_replies_as_the_recipient_through_the_listener(mailbox, smtp_sink):
    # Given a caught mail
    row, _ = catcher.store_caught(original(), "", ["ada@example.org"])
    # When the coordinator replies as Ada
    token = csrf_token(mailbox, f"/devmail/{row.id}")
    response = mailbox.post(
        f"/devmail/{row.id}/reply",
        data={"as": "ada@example.org", "body": "All done.", "csrf_token": token},
        follow_redirects=True,
    )
    # Then the reply reached the listener over SMTP, from Ada to the Reply-To address
    assert "Reply sent as ada@example.org" in response.get_data(as_text=True)
    (delivered,) = smtp_sink.messages
    assert delivered["mail_from"] == "ada@example.org"
    assert delivered["rcpt_tos"] == ["reply+abc123@tandem.test"]
    assert b"\r\n" in delivered["data"] and b"\n\n" not in delivered["data"].replace(b"\r\n", b"")
    (reply,) = smtp_sink.parsed()
    assert reply["Subject"] == "Re: Your update for the follow-up review"
    assert reply["In-Reply-To"] == "<m1@tandem.test>"
    assert "All done." in reply.get_content()
    assert "> How is the action plan going?" in reply.get_content()


def test_it_answers_an_invitation_through_the_listener(mailbox, smtp_sink):
    row, _ = catcher.store_caught(invitation(), "", ["ada@example.org"])
    token = csrf_token(mailbox, f"/devmail/{row.id}")
    mailbox.post(
        f"/devmail/{row.id}/rsvp",
        data={"as": "ada@example.org", "partstat": "TENTATIVE", "csrf_token": token},
    )
    (reply,) = smtp_sink.parsed()
    part = next(p for p in reply.walk() if p.get_content_type() == "text/calendar")
    assert "PARTSTAT=TENTATIVE" in part.get_content()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"as": "mallory@example.org", "body": "hi"}, "Choose one of the mail&#39;s recipients"),
        ({"as": "ada@example.org", "body": "   "}, "Type a reply first."),
        ({"as": "ada@example.org", "body": "x" * 20_001}, "The reply is too long"),
    ],
)
def test_it_validates_the_reply_form(mailbox, smtp_sink, form, message):
    row, _ = catcher.store_caught(original(), "", ["ada@example.org"])
    token = csrf_token(mailbox, f"/devmail/{row.id}")
    page = mailbox.post(
        f"/devmail/{row.id}/reply", data={**form, "csrf_token": token}, follow_redirects=True
    )
    assert message in page.get_data(as_text=True)
    assert smtp_sink.messages == []


def test_it_reports_a_listener_that_is_down(db):
    # Given a mailbox whose listener port has nothing on it
    client = mailbox_client(services.free_port())
    row, _ = catcher.store_caught(original(), "", ["ada@example.org"])
    # When a reply is sent, the page says why it failed
    page = client.post(
        f"/devmail/{row.id}/reply",
        data={"as": "ada@example.org", "body": "hello", "csrf_token": csrf_token(client, "/")},
        follow_redirects=True,
    )
    assert page.status_code == 200
    assert "could not deliver to 127.0.0.1" in page.get_data(as_text=True)


def test_it_rejects_a_reply_without_csrf_token(mailbox, smtp_sink):
    row, _ = catcher.store_caught(original(), "", ["ada@example.org"])
    response = mailbox.post(f"/devmail/{row.id}/reply", data={"as": "ada@example.org", "body": "x"})
    assert response.status_code == 400
    assert smtp_sink.messages == []


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_it_renders_every_corpus_message(mailbox):
    corpus = services.corpus_dir()
    if corpus is None:
        pytest.skip("the shared corpus of real messages is not beside the project")
    # Given every real message of the corpus in the mailbox
    rows = [catcher.store_caught(p.read_bytes())[0] for p in sorted(corpus.rglob("*.eml"))]
    # Then each page renders, and every invitation can be answered
    for row in {r.id: r for r in rows}.values():
        assert mailbox.get(f"/devmail/{row.id}").status_code == 200, row.subject
        msg = devreply.parse(bytes(row.raw))
        if msg.get_body(("html",)) is not None:
            assert mailbox.get(f"/devmail/{row.id}/html").status_code == 200
        if devreply.calendar_request(msg) is not None:
            reply = devreply.compose_rsvp(msg, "someone@example.org", "ACCEPTED")
            part = next(p for p in reply.walk() if p.get_content_type() == "text/calendar")
            assert "METHOD:REPLY" in part.get_content()
    assert mailbox.get("/devmail/").status_code == 200


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_it_runs_the_catcher_from_the_command_line(db, tmp_path):
    from workers import settings as settings_mod

    # Given `flask --app web catcher` on a free port
    port = services.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings_mod.get().database_url,
        "DEV_SMTP_PORT": str(port),
    }
    command = [sys.executable, "-m", "flask", "--app", "web", "catcher"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        services.wait_for_port(port)
        # When a message arrives
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as conn:
            conn.sendmail("tandem@tandem.test", ["ada@example.org"], original())
        # Then the web app's database has it
        assert CaughtMail.get().message_id == "<m1@tandem.test>"
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=10)[0].decode()
    assert f"listening on 127.0.0.1:{port}" in output
    assert proc.returncode == 0


def test_it_replies_into_the_real_inbound_listener(db, redis_broker):
    from models import InboundMessage
    from workers import settings as settings_mod
    from workers.inbound import listener as mailin

    # Given Tandem's own inbound SMTP listener and a caught mail
    port = services.free_port()
    listener = mailin.make_controller(settings_mod.get(), "127.0.0.1", port)
    listener.start()
    try:
        client = mailbox_client(port)
        row, _ = catcher.store_caught(original(), "", ["ada@example.org"])
        # When the coordinator replies as Ada
        page = client.post(
            f"/devmail/{row.id}/reply",
            data={"as": "ada@example.org", "body": "Done.", "csrf_token": csrf_token(client, "/")},
            follow_redirects=True,
        )
    finally:
        listener.stop()
    # Then the listener stored the reply, from Ada, raw
    assert "Reply sent as ada@example.org" in page.get_data(as_text=True)
    stored = InboundMessage.get()
    assert stored.mail_from == "ada@example.org"
    assert stored.rcpt_to == "reply+abc123@tandem.test"
    assert stored.subject == "Re: Your update for the follow-up review"
    assert b"In-Reply-To: <m1@tandem.test>" in bytes(stored.raw)
