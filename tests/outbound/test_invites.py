"""Calendar invitations: RFC 5545 / iTIP REQUEST and CANCEL for one attendee."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json

import pytest
from icalendar import Calendar

from tests.services import corpus_dir
from workers.outbound import invites
from workers.outbound.render import make_message

INFO = invites.SessionInfo(
    uid="abc-123@tandem.test",
    sequence=2,
    title="Retention review, round 2",
    starts_at=dt.datetime(2026, 12, 1, 13, 0),
    ends_at=dt.datetime(2026, 12, 1, 14, 30),
    timezone="Europe/Paris",
    location="Room 4; https://meet.example.org/x",
    description="Review the plan.\nDecide next steps.",
)


def _build(method: str = "REQUEST", info=INFO) -> str:
    return invites.build(
        info,
        method=method,
        organizer="reply+1-s-2-abc-0123456789abcdef@tandem.test",
        organizer_name="Tandem",
        attendee="ann@example.org",
        attendee_name="Ann O'Neil, HR",
        stamp=dt.datetime(2026, 11, 2, 9, 0),
    )


def test_it_writes_a_request_that_round_trips():
    cal = Calendar.from_ical(_build())
    event = cal.walk("VEVENT")[0]
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == INFO.uid
    assert int(event["SEQUENCE"]) == 2
    assert event["DTSTAMP"].dt == dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    start = event["DTSTART"].dt
    assert start.tzinfo is not None and start.utcoffset() == dt.timedelta(hours=1)
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC)
    assert str(event["ORGANIZER"]) == "mailto:reply+1-s-2-abc-0123456789abcdef@tandem.test"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:ann@example.org"
    assert attendee.params["RSVP"] == "TRUE"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["CN"] == "Ann O'Neil, HR"
    assert str(event["DESCRIPTION"]) == INFO.description


def test_it_includes_the_vtimezone_of_the_session_zone():
    text = _build()
    cal = Calendar.from_ical(text)
    zones = [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")]
    assert zones == ["Europe/Paris"]
    assert "DTSTART;TZID=Europe/Paris:20261201T140000" in text
    assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")


def test_it_writes_a_cancel_with_the_same_uid():
    cal = Calendar.from_ical(_build("CANCEL"))
    event = cal.walk("VEVENT")[0]
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == INFO.uid


def test_it_refuses_a_bad_method_or_times():
    with pytest.raises(invites.InviteError):
        _build("PUBLISH")
    backwards = invites.SessionInfo(**{**INFO.__dict__, "ends_at": INFO.starts_at})
    with pytest.raises(invites.InviteError):
        _build(info=backwards)


def test_it_describes_the_time_in_the_recipients_zone():
    assert invites.describe_time(INFO.starts_at, INFO.ends_at, "America/New_York") == (
        "Tue 1 Dec 2026, 08:00–09:30 (America/New_York)"
    )
    assert "22:00–23:30 (Asia/Tokyo)" in invites.describe_time(
        INFO.starts_at, INFO.ends_at, "Asia/Tokyo"
    )


def test_it_sets_the_mime_method_to_the_calendar_method():
    ics = _build()
    msg = make_message(
        "ping",
        "ann@example.org",
        {"subject": "Invitation", "body": "See the invitation.", "recipient_name": "Ann"},
        mail_from="Tandem <tandem@tandem.test>",
        message_id="<x@tandem.test>",
        calendar=ics,
        calendar_method="REQUEST",
    )
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    parts = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in parts[0].get_content()


def _fields(ics: str) -> dict:
    """Extract the corpus manifest's iTIP fields from an iCalendar text."""
    cal = Calendar.from_ical(ics)
    event = cal.walk("VEVENT")[0]
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    return {
        "method": str(cal["METHOD"]),
        "component": event.name,
        "uid": str(event["UID"]),
        "sequence": str(int(event.get("SEQUENCE", 0))),
        "organizer": str(event["ORGANIZER"]).split(":", 1)[-1].lower(),
        "attendees": [
            {"email": str(a).split(":", 1)[-1].lower(), "partstat": a.params.get("PARTSTAT")}
            for a in attendees
        ],
    }


def test_it_writes_the_fields_real_client_requests_carry():
    # Given the REQUESTs real calendar clients wrote (Google, Outlook, BlueMind, ...)
    root = corpus_dir()
    if root is None:
        pytest.skip("the shared corpus is not available (../shared/corpus)")
    manifest = json.loads((root / "manifest.json").read_text())
    requests = [
        e["expected"]
        for e in manifest
        if e["set"] == "itip" and e.get("expected", {}).get("method") == "REQUEST"
    ]
    assert requests, "the corpus should hold REQUEST examples"
    # When Tandem writes one
    ours = _fields(_build())
    # Then it carries every field they all carry, in the same shape
    for expected in requests:
        for key in ("method", "component", "uid", "sequence", "organizer"):
            if expected.get(key) is not None:
                assert ours[key], key
        assert expected["component"] == ours["component"]
    assert ours["attendees"] == [{"email": "ann@example.org", "partstat": "NEEDS-ACTION"}]
    assert ours["organizer"].startswith("reply+")


def test_it_reads_back_with_the_inbound_calendar_parser():
    from workers.reading.itip import parse_calendar

    reply = parse_calendar(_build())
    assert reply is not None
    assert reply.method == "REQUEST"
    assert reply.uid == INFO.uid
    assert reply.sequence == 2


def test_each_attendees_copy_shares_everything_but_the_people():
    # Given the invitations of one session for two attendees, the second with a long name
    ann = _build()
    bob = invites.build(
        INFO,
        method="REQUEST",
        organizer="reply+2-s-2-abc-fedcba9876543210@tandem.test",
        organizer_name="Tandem",
        attendee="bob@example.org",
        attendee_name="Bob " + "Longname-" * 12,
        stamp=dt.datetime(2026, 11, 2, 9, 0),
    )
    # Then both are whole calendars whose lines stay within 75 octets
    assert all(text.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n") for text in (ann, bob))
    assert max(len(line.encode()) for line in bob.split("\r\n")) <= 75
    # and only the organizer's reply address and the attendee differ between them
    events = [Calendar.from_ical(text).walk("VEVENT")[0] for text in (ann, bob)]
    people = {"ORGANIZER", "ATTENDEE"}
    assert [{k: v for k, v in e.items() if k not in people} for e in events] == [
        {k: v for k, v in events[0].items() if k not in people}
    ] * 2
    assert str(events[1]["ATTENDEE"]) == "mailto:bob@example.org"
    assert events[1]["ATTENDEE"].params["CN"] == "Bob " + "Longname-" * 12
