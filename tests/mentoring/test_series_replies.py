"""Calendar answers to a series from real clients: one occurrence or all, REPLY and COUNTER."""

from __future__ import annotations

import datetime as dt

import pytest

from models import (
    InboundMessage,
    Occurrence,
    OccurrenceRsvp,
    OutboundEmail,
    Rsvp,
    SlotProposal,
)
from tests.mentoring import client_replies as clients
from tests.mentoring.pair_data import make_pair, process, sent, text_of
from workers.mentoring import sessions
from workers.mentoring.reschedule import choose


@pytest.fixture
def world(db):
    world = make_pair(mentor_hours="Mon 16:00-18:00; Tue 16:00-18:00", mentee_hours=(
        "Mon 11:00-13:00; Tue 11:00-13:00"
    ))  # fmt: skip
    world["series"] = sessions.schedule_pair(world["group"].id)
    world["rows"] = list(world["series"].occurrences.order_by(Occurrence.starts_at))
    return world


def answer_of(occurrence, person) -> str:
    row = OccurrenceRsvp.get_or_none(
        (OccurrenceRsvp.occurrence == occurrence) & (OccurrenceRsvp.person == person)
    )
    return row.partstat if row else "NEEDS-ACTION"


def test_google_declines_one_occurrence_and_both_get_other_times(world):
    series, second = world["series"], world["rows"][1]
    ics = clients.google(
        series.session.uid,
        series.session.timezone,
        second.recurrence_id,
        second.starts_at,
        second.ends_at,
        "ben@example.org",
        "DECLINED",
    )
    assert process(clients.mail("ben@example.org", ics)) == "applied"
    assert answer_of(second, world["ben"]) == "DECLINED"
    assert answer_of(world["rows"][2], world["ben"]) == "NEEDS-ACTION"  # only that one
    proposal = SlotProposal.get()
    assert (proposal.reason, proposal.occurrence_id) == ("decline", second.id)
    assert 1 <= len(proposal.slots) <= 3
    for slot in proposal.slots:  # another day, inside both availabilities
        start = dt.datetime.fromisoformat(slot[0])
        assert start != second.starts_at
    for to in ("maya@example.org", "ben@example.org"):
        text = text_of(sent("mentoring-slots", to)[0])
        assert "Ben Pupil cannot make the session of" in text and "1. " in text
    assert "(America/New_York)" in text_of(sent("mentoring-slots", "ben@example.org")[0])


def test_outlook_answers_one_occurrence_in_a_windows_zone_without_organizer(world):
    series, third = world["series"], world["rows"][2]
    ics = clients.outlook(
        series.session.uid, third.recurrence_id, third.starts_at, third.ends_at,
        "ben@example.org", "TENTATIVE",
    )  # fmt: skip
    assert "ORGANIZER" not in ics
    assert process(clients.mail("ben@example.org", ics, "Tentative: Mentoring")) == "applied"
    assert answer_of(third, world["ben"]) == "TENTATIVE"
    assert SlotProposal.select().count() == 0


def test_a_recurrence_id_in_utc_names_the_same_occurrence(world):
    series, fourth = world["series"], world["rows"][3]
    ics = clients.utc_reply(
        series.session.uid, fourth.recurrence_id, "maya@example.org", "ACCEPTED"
    )
    assert process(clients.mail("maya@example.org", ics, "Accepted")) == "applied"
    assert answer_of(fourth, world["maya"]) == "ACCEPTED"


@pytest.mark.parametrize("client", ["outlook", "ios"])
def test_a_counter_for_one_occurrence_offers_the_proposed_time_first(world, client):
    series, second = world["series"], world["rows"][1]
    proposed = second.starts_at + dt.timedelta(days=1)
    end = proposed + dt.timedelta(hours=1)
    if client == "outlook":
        ics = clients.outlook(
            series.session.uid, second.recurrence_id, proposed, end, "ben@example.org",
            "TENTATIVE", method="COUNTER",
        )  # fmt: skip
    else:
        ics = clients.ios_counter(
            series.session.uid, second.recurrence_id, proposed, end, "ben@example.org"
        )
    assert process(clients.mail("ben@example.org", ics, "New Time Proposed")) == "applied"
    row = OccurrenceRsvp.get(OccurrenceRsvp.occurrence == second)
    assert row.proposed_start == proposed
    assert row.partstat == "NEEDS-ACTION"  # a counter is no answer
    proposal = SlotProposal.get()
    assert proposal.reason == "counter"
    assert dt.datetime.fromisoformat(proposal.slots[0][0]) == proposed
    text = text_of(sent("mentoring-slots", "maya@example.org")[0])
    assert "Ben Pupil proposed another time" in text


def test_choosing_an_offered_time_moves_that_occurrence_alone(world):
    series, second = world["series"], world["rows"][1]
    ics = clients.google(
        series.session.uid, series.session.timezone, second.recurrence_id,
        second.starts_at, second.ends_at, "ben@example.org", "DECLINED",
    )  # fmt: skip
    process(clients.mail("ben@example.org", ics))
    proposal = SlotProposal.get()
    choose(proposal.id, 1, world["maya"])
    moved = Occurrence.get_by_id(second.id)
    assert moved.moved and moved.starts_at == dt.datetime.fromisoformat(proposal.slots[0][0])
    assert len(sent("mentoring-occurrence", "ben@example.org")) == 1


def test_several_occurrences_answered_in_one_reply(world):
    series, rows = world["series"], world["rows"]
    one = clients.utc_reply(
        series.session.uid, rows[1].recurrence_id, "ben@example.org", "ACCEPTED"
    )
    two = clients.utc_reply(
        series.session.uid, rows[4].recurrence_id, "ben@example.org", "TENTATIVE"
    )
    events = two.split("BEGIN:VEVENT", 1)[1].rsplit("END:VCALENDAR", 1)[0]
    both = one.replace("END:VCALENDAR", "BEGIN:VEVENT" + events + "END:VCALENDAR")
    assert process(clients.mail("ben@example.org", both, "Accepted")) == "applied"
    assert answer_of(rows[1], world["ben"]) == "ACCEPTED"
    assert answer_of(rows[4], world["ben"]) == "TENTATIVE"


def test_declining_the_whole_series_goes_to_the_coordinator(world):
    series = world["series"]
    ics = clients.utc_reply(series.session.uid, world["rows"][0].recurrence_id, "ben@example.org",
                            "DECLINED")  # fmt: skip
    ics = "\n".join(line for line in ics.splitlines() if not line.startswith("RECURRENCE-ID"))
    assert process(clients.mail("ben@example.org", ics)) == "applied"
    rsvp = Rsvp.get((Rsvp.session == series.session_id) & (Rsvp.person == world["ben"]))
    assert rsvp.partstat == "DECLINED"
    note = sent("mentoring-series-declined", "cora@example.org")
    assert len(note) == 1 and "Ben Pupil (mentee) declined the whole series" in text_of(note[0])
    assert SlotProposal.select().count() == 0


def test_someone_else_answering_for_an_attendee_is_quarantined(world):
    series, second = world["series"], world["rows"][1]
    ics = clients.utc_reply(series.session.uid, second.recurrence_id, "ben@example.org", "DECLINED")
    assert process(clients.mail("mallory@example.org", ics)) == "quarantined"
    assert InboundMessage.get().reason == "CalendarSenderMismatchError"
    assert answer_of(second, world["ben"]) == "NEEDS-ACTION"


def test_an_answer_for_a_date_the_series_does_not_have_is_quarantined(world):
    series = world["series"]
    ics = clients.utc_reply(series.session.uid, dt.datetime(2027, 3, 2, 9), "ben@example.org",
                            "ACCEPTED")  # fmt: skip
    assert process(clients.mail("ben@example.org", ics)) == "quarantined"
    assert InboundMessage.get().reason == "UnknownEventError"
    assert OutboundEmail.select().where(OutboundEmail.kind == "mentoring-slots").count() == 0
