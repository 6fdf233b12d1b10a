"""Line breaks in what people type cannot add email headers or calendar properties.

A name, a cycle title or a location reaches the headers of real emails and the lines of
real .ics files. Each test builds them the way Tandem sends them and reads them back with
a parser, not by searching text.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
from icalendar import Calendar

from models import Cycle, OutboundEmail, Person, Session
from tests.followup_data import make_programme
from workers.followup import trigger
from workers.outbound import delivery
from workers.outbound.invites import SessionInfo, build
from workers.outbound.render import make_message

#: What an attacker types where a name or a title goes.
HEADER_TRICKS = [
    "John\r\nBcc: evil@evil.example",
    "John\nBcc: evil@evil.example",
    "John\rBcc: evil@evil.example",
    "John\r\n\r\n<html>body of the attacker's choosing",
    'John" <evil@evil.example>, "x',
    "John\u2028Bcc: evil@evil.example",
]

#: What an attacker types to end the event early and start their own.
ICAL_TRICKS = [
    "Review\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:Evil\r\nEND:VEVENT",
    "Review\nATTENDEE;RSVP=TRUE:mailto:evil@evil.example",
    "Review\rORGANIZER:mailto:evil@evil.example",
    "Review;ATTENDEE=mailto:evil@evil.example:x,y\\n",
    "Review\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nMETHOD:CANCEL",
]


def addresses(message, name: str) -> list[str]:
    return [a.addr_spec for a in message[name].addresses] if message[name] else []


@pytest.mark.parametrize("trick", HEADER_TRICKS)
def test_a_name_or_subject_cannot_add_a_recipient(db, trick):
    # Given an email whose subject and recipient name carry a header break
    message = make_message(
        "ping",
        "john@example.org",
        {"subject": f"About {trick}", "body": trick, "recipient_name": trick},
        mail_from="Tandem <tandem@tandem.test>",
        message_id="<1@tandem.test>",
        to_name=trick,
    )
    # When it is written out and read back as a mail server reads it
    parsed = message_from(message)
    # Then there is one To, the person's, and no Bcc or Cc at all
    assert addresses(parsed, "To") == ["john@example.org"]
    assert parsed.get_all("To") and len(parsed.get_all("To")) == 1
    assert parsed["Bcc"] is None and parsed["Cc"] is None
    assert "\n" not in parsed["Subject"] and "\r" not in parsed["Subject"]
    assert parsed.get_content_type() == "multipart/alternative"


def message_from(message):
    """Return ``message`` as a mail server reads it after it went over SMTP."""
    return email.message_from_bytes(
        message.as_bytes(policy=email.policy.SMTP), policy=email.policy.default
    )


def test_a_cycle_with_hostile_names_is_delivered_to_its_people_only(smtp_sink):
    # Given a cycle whose title, and a stakeholder's name, carry header breaks
    world = make_programme()
    trick = HEADER_TRICKS[0]
    john = world["people"]["john"]
    Person.update(name=trick).where(Person.id == john.id).execute()
    Cycle.update(title=f"Review {trick}").where(Cycle.id == world["cycle"].id).execute()
    Session.update(title=f"Review {trick}").where(Session.cycle == world["cycle"].id).execute()
    # When the cycle is triggered and every email delivered over SMTP
    trigger.trigger(world["cycle"].id)
    rows = list(OutboundEmail.select())
    outcomes = {delivery.deliver(row.id) for row in rows}
    # Then every email went out, each to its own person alone
    assert outcomes == {"sent"}
    assert len(smtp_sink.messages) == len(rows)
    for envelope, parsed in zip(smtp_sink.messages, smtp_sink.parsed(), strict=True):
        assert len(envelope["rcpt_tos"]) == 1
        assert addresses(parsed, "To") == envelope["rcpt_tos"]
        assert parsed["Bcc"] is None and parsed["Cc"] is None
    assert not any("evil" in str(e["rcpt_tos"]) for e in smtp_sink.messages)


def info(**changes) -> SessionInfo:
    fields = {
        "uid": "s1@tandem.test",
        "sequence": 0,
        "title": "Review",
        "starts_at": dt.datetime(2026, 11, 10, 14, 0),
        "ends_at": dt.datetime(2026, 11, 10, 15, 0),
        "timezone": "Europe/London",
        "location": "Room 4",
        "description": "Bring the figures.",
    }
    return SessionInfo(**{**fields, **changes})


def invite(session: SessionInfo, attendee_name: str = "Ada Lovelace") -> Calendar:
    text = build(
        session,
        method="REQUEST",
        organizer="tandem@tandem.test",
        organizer_name="Tandem",
        attendee="ada@example.org",
        attendee_name=attendee_name,
        stamp=dt.datetime(2026, 11, 1, 9, 0),
    )
    return Calendar.from_ical(text)


def check_one_event(cal: Calendar) -> None:
    """Assert the calendar is one REQUEST for one event, to Ada, from Tandem."""
    assert [c.name for c in cal.subcomponents] == ["VTIMEZONE", "VEVENT"]
    assert str(cal["method"]) == "REQUEST"
    [event] = cal.walk("VEVENT")
    attendees = event.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a).lower() for a in attendees] == ["mailto:ada@example.org"]
    assert str(event["organizer"]).lower() == "mailto:tandem@tandem.test"
    assert str(event["uid"]) == "s1@tandem.test"
    assert str(event["status"]) == "CONFIRMED"


@pytest.mark.parametrize("trick", ICAL_TRICKS)
@pytest.mark.parametrize("field", ["title", "location", "description"])
def test_line_breaks_in_a_session_cannot_add_calendar_properties(trick, field):
    # Given a session whose title, location or description ends the event early
    cal = invite(info(**{field: trick}))
    # Then the parsed invitation is still one event with its own people and UID
    check_one_event(cal)
    # And the text comes back whole as the value of its own property
    [event] = cal.walk("VEVENT")
    prop = {"title": "summary", "location": "location", "description": "description"}[field]
    assert breaks_as_newlines(str(event[prop])) == breaks_as_newlines(trick)


def breaks_as_newlines(text: str) -> str:
    """Return ``text`` with each line break as one LF (iCalendar escapes them all as \\n)."""
    return "\n".join(text.splitlines())


@pytest.mark.parametrize("trick", ICAL_TRICKS[:3] + HEADER_TRICKS[:2])
def test_line_breaks_in_an_attendees_name_cannot_add_calendar_properties(trick):
    cal = invite(info(), attendee_name=trick)
    check_one_event(cal)


def test_a_triggered_cycle_with_a_hostile_location_sends_sound_invitations(db):
    # Given a cycle whose session's title and location try to end the event
    world = make_programme()
    Session.update(title=ICAL_TRICKS[0], location=ICAL_TRICKS[1]).where(
        Session.cycle == world["cycle"].id
    ).execute()
    # When it is triggered
    trigger.trigger(world["cycle"].id)
    invites = OutboundEmail.select().where(OutboundEmail.calendar.is_null(False))
    # Then each invitation parses as one event for its own person
    assert invites.count() == 3
    for row in invites:
        cal = Calendar.from_ical(row.calendar)
        assert [c.name for c in cal.subcomponents] == ["VTIMEZONE", "VEVENT"]
        [event] = cal.walk("VEVENT")
        attendee = event.get("attendee")
        assert not isinstance(attendee, list)
        assert str(attendee).lower() == f"mailto:{row.to_addr}"
        assert breaks_as_newlines(str(event["location"])) == ICAL_TRICKS[1]
