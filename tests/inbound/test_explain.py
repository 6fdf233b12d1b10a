"""``explain`` and ``flask mail-parse``: how Tandem reads a message, applying nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from models import OutboundEmail, Person, Programme, Session, clock
from workers import settings as settings_mod
from workers.inbound.explain import explain
from workers.outbound.tokens import make_reply_address

ROOT = Path(__file__).resolve().parents[2]

REPLY_TMPL = """\
From: Ann Example <{sender}>
To: {to}
Subject: Re: Your progress update
Message-ID: <r1@example.com>
In-Reply-To: <out-1@tandem.example>

All three items are on track.

On Mon, 11 Jan 2027 at 09:00, Tandem <tandem@tandem.example> wrote:
> Please tell us how your action items are going.
"""

BOUNCE = b"""\
From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: tandem@tandem.example
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: message/delivery-status

Final-Recipient: rfc822; ann@example.com
Action: failed
Status: 5.1.1

--B--
"""

CALENDAR = b"""\
From: Ann Example <ann@example.com>
To: tandem@tandem.example
Subject: Declined: Follow-up session
Content-Type: text/calendar; charset=UTF-8; method=REPLY

BEGIN:VCALENDAR
METHOD:REPLY
BEGIN:VEVENT
UID:s-9@tandem.example
SEQUENCE:3
ATTENDEE;PARTSTAT=DECLINED:mailto:ann@example.com
END:VEVENT
END:VCALENDAR
"""

KEYS = {"file", "kind", "sender", "token", "object", "reply_text", "fields", "calendar"}


def address(person_id=1, object_type="email", object_id=5, days=30):
    secret = settings_mod.get().secret_key
    return make_reply_address(secret, "tandem.example", person_id, object_type, object_id, days)


def reply(to=None, sender="ann@example.com") -> bytes:
    return REPLY_TMPL.format(to=to or address(), sender=sender).encode()


def test_it_explains_a_reply_with_a_valid_token():
    out = explain(reply(), file="a.eml", lookup=False)

    assert KEYS | {"bounce", "rejection"} <= set(out)
    assert out["file"] == "a.eml"
    assert (out["kind"], out["sender"], out["token"]) == ("reply", "ann@example.com", "valid")
    assert out["reply_text"] == "All three items are on track."
    assert (out["calendar"], out["bounce"], out["rejection"]) == (None, None, None)
    json.dumps(out)


def test_it_reports_a_forged_token():
    forged = address().replace("reply+1-", "reply+2-")

    out = explain(reply(to=forged), lookup=False)

    assert (out["token"], out["rejection"]) == ("invalid", "InvalidTokenError")


def test_it_reports_an_expired_token():
    # Given: a token valid for 30 days
    to = address(days=30)
    # When: the answer comes 31 days later
    clock.travel(dt.timedelta(days=31))
    out = explain(reply(to=to), lookup=False)
    # Then
    assert (out["token"], out["rejection"]) == ("expired", "ExpiredTokenError")


def test_it_explains_a_bounce():
    out = explain(BOUNCE, lookup=False)

    assert out["kind"] == "bounce"
    assert out["bounce"] == {"recipient": "ann@example.com", "status": "5.1.1", "action": "failed"}
    assert (out["reply_text"], out["rejection"]) == ("", "BouncedEmailError")


def test_it_explains_a_calendar_reply():
    out = explain(CALENDAR, lookup=False)

    assert out["kind"] == "calendar_reply"
    assert out["calendar"] == {
        "method": "REPLY",
        "uid": "s-9@tandem.example",
        "attendee": "ann@example.com",
        "partstat": "DECLINED",
        "sequence": 3,
        "recurrence_id": None,
        "dtstart": None,
        "dtend": None,
    }


def test_it_calls_bytes_that_are_no_message_unreadable():
    out = explain(b"   \r\n", lookup=False)

    assert (out["kind"], out["rejection"]) == ("unreadable", "UnreadableMessageError")


def test_it_shows_the_matched_object_when_the_database_answers(db):
    # Given: Ann and the email she answers
    ann = Person.create(name="Ann", email="ann@example.com")
    sent = OutboundEmail.create(
        kind="update-request",
        to_addr=ann.email,
        person=ann,
        subject="Your progress update",
        message_id="<out-1@tandem.example>",
        idem_key="k1",
    )
    to = address(person_id=ann.id, object_id=sent.id)
    # When
    out = explain(reply(to=to))
    # Then
    assert out["object"] == {
        "type": "email",
        "id": sent.id,
        "exists": True,
        "label": "Your progress update",
        "person": "ann@example.com",
    }
    assert out["rejection"] is None
    assert explain(reply(to=to, sender="mallory@example.com"))["rejection"] == (
        "SenderMismatchError"
    )


def test_it_prints_one_json_line_per_file(runner, tmp_path):
    good = tmp_path / "good.eml"
    good.write_bytes(BOUNCE)
    bad = tmp_path / "bad.eml"
    bad.write_bytes(b"")

    result = runner.invoke(args=["mail-parse", str(good), str(bad), str(tmp_path / "none.eml")])

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(x["file"], x["kind"]) for x in lines] == [
        (str(good), "bounce"),
        (str(bad), "unreadable"),
        (str(tmp_path / "none.eml"), "unreadable"),
    ]


def test_it_runs_without_a_reachable_database(tmp_path):
    # Given: a database URL nothing answers on, and no broker
    path = tmp_path / "cal.eml"
    path.write_bytes(CALENDAR)
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}
    # When
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "web", "mail-parse", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Then
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["kind"], out["object"]) == ("calendar_reply", None)


def test_it_matches_a_calendar_reply_to_its_session(db):
    # Given: the session Ann's calendar answers, and a stranger answering for her
    programme = Programme.create(name="Prefects")
    session = Session.create(
        programme=programme,
        title="Follow-up session",
        starts_at=dt.datetime(2027, 1, 15, 9),
        ends_at=dt.datetime(2027, 1, 15, 10),
        uid="s-9@tandem.example",
    )
    Person.create(name="Ann", email="ann@example.com")
    forged = CALENDAR.replace(b"From: Ann Example <ann@example.com>", b"From: eve@example.com")
    # When
    out = explain(CALENDAR)
    # Then
    assert out["object"] == {
        "type": "session",
        "id": session.id,
        "exists": True,
        "label": "Follow-up session",
        "person": "ann@example.com",
    }
    assert out["rejection"] is None
    assert explain(forged)["rejection"] == "CalendarSenderMismatchError"
    unknown = CALENDAR.replace(b"UID:s-9@", b"UID:s-10@")
    assert explain(unknown)["rejection"] == "UnknownEventError"
