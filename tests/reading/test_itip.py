"""Reading iTIP objects: REPLY, COUNTER and what broken clients send."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.reading.itip import address_of, parse_calendar

REPLY_TMPL = """BEGIN:VCALENDAR\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
VERSION:2.0\r
METHOD:{method}\r
BEGIN:VEVENT\r
DTSTART:20270115T090000Z\r
DTEND:20270115T100000Z\r
UID:{uid}\r
SEQUENCE:{sequence}\r
ORGANIZER;CN=Tandem:mailto:tandem@tandem.example\r
{attendees}\r
COMMENT:See you there\r
SUMMARY:Follow-up session\r
END:VEVENT\r
END:VCALENDAR\r
"""


def reply(method="REPLY", uid="s-42@tandem", sequence=2, attendees=None) -> str:
    lines = attendees or ["ATTENDEE;PARTSTAT=ACCEPTED;CN=Ann:MAILTO:Ann@Example.COM"]
    return REPLY_TMPL.format(
        method=method, uid=uid, sequence=sequence, attendees="\r\n".join(lines)
    )


def test_it_reads_a_reply():
    found = parse_calendar(reply())

    assert found.method == "REPLY"
    assert found.uid == "s-42@tandem"
    assert found.attendee == "ann@example.com"
    assert found.partstat == "ACCEPTED"
    assert found.sequence == 2
    assert found.comment == "See you there"
    assert found.organizer == "tandem@tandem.example"
    assert found.dtstart is None  # a plain REPLY proposes nothing


@pytest.mark.parametrize("partstat", ["ACCEPTED", "DECLINED", "TENTATIVE", "NEEDS-ACTION"])
def test_it_reads_every_partstat(partstat):
    line = f"ATTENDEE;PARTSTAT={partstat.lower()}:mailto:ann@example.com"

    assert parse_calendar(reply(attendees=[line])).partstat == partstat


def test_it_reads_the_proposed_time_of_a_counter():
    found = parse_calendar(reply(method="COUNTER"))

    assert found.method == "COUNTER"
    assert found.dtstart == "2027-01-15T09:00:00+00:00"
    assert found.dtend == "2027-01-15T10:00:00+00:00"


def test_it_reads_apples_proposal_sent_as_a_reply():
    # Given: iOS proposes a new time with a REPLY and an ATTENDEE parameter, not a COUNTER
    line = (
        'ATTENDEE;PARTSTAT=TENTATIVE;TO-ALL-PROPOSED-NEW-TIME="DTSTART:20270116T083000Z;'
        'STATUS:;":mailto:ann@example.com'
    )
    # When
    found = parse_calendar(reply(attendees=[line]))
    # Then
    assert (found.method, found.partstat) == ("REPLY", "TENTATIVE")
    assert found.dtstart == "2027-01-16T08:30:00+00:00"


def test_it_prefers_the_senders_attendee_line():
    lines = [
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:boss@example.com",
        "ATTENDEE;PARTSTAT=DECLINED:mailto:ann@example.com",
    ]

    assert parse_calendar(reply(attendees=lines), sender="Ann@example.com").partstat == "DECLINED"
    assert parse_calendar(reply(attendees=lines)).attendee == "boss@example.com"


def test_it_prefers_an_answered_line_when_the_sender_is_not_listed():
    lines = [
        "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:boss@example.com",
        "ATTENDEE;PARTSTAT=TENTATIVE:mailto:ann@example.com",
    ]

    assert parse_calendar(reply(attendees=lines)).attendee == "ann@example.com"


def test_it_reads_the_email_parameter_of_an_attendee_named_by_uuid():
    # Given an attendee line naming a principal by UUID, its email in EMAIL= (RFC 7986)
    line = "ATTENDEE;EMAIL=ann@example.com;PARTSTAT=DECLINED:urn:uuid:0f1e2d3c-aaaa-bbbb"
    # When
    found = parse_calendar(reply(attendees=[line]), sender="ann@example.com")
    # Then
    assert (found.attendee, found.partstat) == ("ann@example.com", "DECLINED")


def test_it_reads_an_unknown_partstat_as_needs_action():
    line = "ATTENDEE;PARTSTAT=MAYBE-LATER:mailto:ann@example.com"

    assert parse_calendar(reply(attendees=[line])).partstat == "NEEDS-ACTION"


def test_it_reads_a_broken_sequence_as_zero():
    assert parse_calendar(reply(sequence="two")).sequence == 0


def test_it_reads_a_calendar_with_lf_endings_and_no_end_lines():
    text = (
        "BEGIN:VCALENDAR\nMETHOD:REPLY\nBEGIN:VEVENT\nUID:abc\n"
        'ATTENDEE;CN="Doe: Ann";PARTSTAT=DECLINED:mailto:ann@example.com\n'
    )

    found = parse_calendar(text)

    assert (found.uid, found.attendee, found.partstat) == ("abc", "ann@example.com", "DECLINED")


@pytest.mark.parametrize(
    "text", ["", "garbage", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "\x00\xff"]
)
def test_it_returns_none_without_an_event(text):
    assert parse_calendar(text) is None


def test_it_strips_mailto_and_case_from_addresses():
    assert address_of(' "MAILTO:Ann@Example.com" ') == "ann@example.com"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_it_never_raises_on_random_text(text):
    parse_calendar("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + text)
    parse_calendar(text)
