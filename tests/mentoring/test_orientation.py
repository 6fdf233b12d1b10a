"""Mentor orientation: the invitation, RSVPs, the coordinator's tick, the facilitator's line."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
from icalendar import Calendar

from models import (
    Job,
    MentorProfile,
    OrientationAttendance,
    OutboundEmail,
    Rsvp,
    clock,
)
from tests.followup.test_followup_e2e import gmail_reply
from tests.mailfactory import calendar_reply
from tests.mentoring.mentoring_data import make_programme
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.mentoring import orientation, proposals
from workers.mentoring.attendance import ConfirmationError, parse_confirmation, send_confirm_request
from workers.mentoring.errors import OrientationError
from workers.mentoring.orientation import OrientationSpec
from workers.outbound import lifetime
from workers.outbound.delivery import build
from workers.runtime import jobs


@pytest.fixture
def world(db):
    return make_programme()


def spec(world, **changes) -> OrientationSpec:
    values = {
        "title": "Mentor orientation",
        "starts_at": dt.datetime(2026, 11, 9, 17, 0),
        "ends_at": dt.datetime(2026, 11, 9, 18, 0),
        "timezone": "Europe/London",
        "location": "https://meet.example.org/orientation",
        "facilitator_id": world["people"]["fay"].id,
    }
    values.update(changes)
    return OrientationSpec(**values)


def message(row: OutboundEmail):
    return email.message_from_bytes(build(row).as_bytes(), policy=email.policy.default)


def process(raw: bytes) -> str:
    stored, _ = inbound_store.store_raw(raw, "smtp")
    return inbound_worker.process(stored.id)


def test_it_stops_trying_an_invitation_when_the_orientation_starts(world):
    # Given an orientation invitation not yet delivered
    session = orientation.create_orientation(world["programme"], spec(world), "user:1")
    orientation.invite(session.id)
    row = OutboundEmail.get(OutboundEmail.kind == "mentoring-orientation")
    # Then it is worth trying only until the session starts, as a cycle's invitation
    assert lifetime.deadline(row) == dt.datetime(2026, 11, 9, 17, 0)


def test_it_invites_the_mentors_without_orientation_with_a_calendar_invitation(world):
    session = orientation.create_orientation(world["programme"], spec(world), "user:1")
    assert orientation.invite(session.id) == 1
    assert orientation.invite(session.id) == 0  # asked once only
    row = OutboundEmail.get(OutboundEmail.kind == "mentoring-orientation")
    assert row.to_addr == "olga@example.org"
    sent = message(row)
    part = next(p for p in sent.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    cal = Calendar.from_ical(part.get_content())
    event = next(c for c in cal.walk("VEVENT"))
    assert str(event["attendee"]).lower() == "mailto:olga@example.org"
    assert event["dtstart"].dt.tzinfo is not None
    assert any(c.name == "VTIMEZONE" for c in cal.subcomponents)
    text = sent.get_body(("plain",)).get_content()
    assert "Mon 9 Nov 2026, 18:00–19:00 (Europe/Berlin)" in text  # Olga's own time


def test_a_calendar_answer_records_the_rsvp(world):
    session = orientation.create_orientation(world["programme"], spec(world), "user:1")
    orientation.invite(session.id)
    uid = session.session.uid
    assert process(calendar_reply("olga@example.org", uid, partstat="ACCEPTED")) == "applied"
    rows = orientation.attendance(session)
    assert [(r["person"].email, r["partstat"], r["attended"]) for r in rows] == [
        ("olga@example.org", "ACCEPTED", None)
    ]
    assert Rsvp.select().count() == 1


def test_a_coordinator_tick_marks_the_orientation_done_and_lets_the_mentor_be_matched(world):
    programme, olga = world["programme"], world["people"]["olga@example.org"]
    session = orientation.create_orientation(programme, spec(world), "user:1")
    orientation.invite(session.id)
    assert "cal@example.org" not in {p.mentee for p in proposals.compute(programme).result.pairs}
    assert orientation.record_attendance(session, {olga.id: True}, "user:1") == 1
    profile = MentorProfile.get(MentorProfile.person == olga)
    assert profile.orientation_done and profile.orientation_date == dt.date(2026, 11, 9)
    row = OrientationAttendance.get(OrientationAttendance.person == olga)
    assert (row.attended, row.confirmed_by) == (True, "user:1")
    pairs = {p.mentee: p.mentor for p in proposals.compute(programme).result.pairs}
    assert pairs["cal@example.org"] == "olga@example.org"
    # Unticked again: not matched again
    orientation.record_attendance(session, {olga.id: False}, "user:1")
    assert not MentorProfile.get(MentorProfile.person == olga).orientation_done


def test_the_facilitator_confirms_attendance_with_one_line(world):
    programme, people = world["programme"], world["people"]
    MentorProfile.update(orientation_done=False).execute()
    session = orientation.create_orientation(programme, spec(world), "user:1")
    assert orientation.invite(session.id) == 3
    job = Job.get(Job.kind == "mentoring.orientation_confirm")
    assert job.run_at == dt.datetime(2026, 11, 9, 18, 0)
    clock.freeze(dt.datetime(2026, 11, 9, 18, 5))
    jobs.HANDLERS[job.kind](job.payload)
    assert send_confirm_request(session.id) is False  # asked once
    request = message(OutboundEmail.get(OutboundEmail.kind == "mentoring-orientation-confirm"))
    text = request.get_body(("plain",)).get_content()
    assert "1. Maya Mentor" in text and "3. Olga Newcomer" in text
    assert "Mon 9 Nov 2026, 18:00–19:00 (Europe/Paris)" in text
    raw = gmail_reply(request, "fay@example.org", "All except 2")
    assert process(raw) == "applied"
    done = {p.person.email: p.orientation_done for p in MentorProfile.select() if p.capacity}
    assert done == {"maya@example.org": True, "noah@example.org": False, "olga@example.org": True}
    marks = {r["person"].email: r["attended"] for r in orientation.attendance(session)}
    assert marks["noah@example.org"] is False
    assert {r["confirmed_by"] for r in orientation.attendance(session)} == {
        f"person:{people['fay'].id}"
    }


def test_an_unclear_confirmation_is_kept_and_asked_back(world):
    session = orientation.create_orientation(world["programme"], spec(world), "user:1")
    orientation.invite(session.id)
    send_confirm_request(session.id)
    request = message(OutboundEmail.get(OutboundEmail.kind == "mentoring-orientation-confirm"))
    assert process(gmail_reply(request, "fay@example.org", "Most of them came")) == "quarantined"
    assert not MentorProfile.get(
        MentorProfile.person == world["people"]["olga@example.org"]
    ).orientation_done


def test_only_the_facilitator_can_confirm(world):
    session = orientation.create_orientation(world["programme"], spec(world), "user:1")
    orientation.invite(session.id)
    send_confirm_request(session.id)
    request = message(OutboundEmail.get(OutboundEmail.kind == "mentoring-orientation-confirm"))
    assert process(gmail_reply(request, "olga@example.org", "all")) == "quarantined"
    assert not MentorProfile.get(
        MentorProfile.person == world["people"]["olga@example.org"]
    ).orientation_done


@pytest.mark.parametrize(
    "line, count, expected",
    [
        ("all", 3, {1, 2, 3}),
        ("Everyone.", 2, {1, 2}),
        ("none", 3, set()),
        ("1, 3", 3, {1, 3}),
        ("attended: 2 and 3", 3, {2, 3}),
        ("all but 1", 3, {2, 3}),
        ("2\n\nThanks, Fay", 3, {2}),
    ],
)
def test_parse_confirmation(line, count, expected):
    assert parse_confirmation(line, count) == expected


@pytest.mark.parametrize("line", ["", "4", "all except 9", "most of them", "0"])
def test_parse_confirmation_refuses_what_names_nobody_clearly(line):
    with pytest.raises(ConfirmationError):
        parse_confirmation(line, 3)


def test_a_bad_session_is_refused(world):
    with pytest.raises(OrientationError, match="end after"):
        orientation.create_orientation(
            world["programme"], spec(world, ends_at=dt.datetime(2026, 11, 9, 16, 0)), "u"
        )
    with pytest.raises(OrientationError, match="time zone"):
        orientation.create_orientation(world["programme"], spec(world, timezone="Mars/Base"), "u")
