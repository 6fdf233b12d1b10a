"""Attendance confirmations: one line after each session records who came, per person."""

from __future__ import annotations

import datetime as dt

import pytest

from models import (
    Attendance,
    AttendanceMark,
    Event,
    Job,
    Membership,
    MentoringGroup,
    Occurrence,
    OccurrenceRsvp,
    Person,
    PersonWeek,
    Rsvp,
    Session,
    SessionSeries,
    clock,
)
from tests.tracking.builders import day, mentor, participant, programme
from tests.tracking.mailflow import gmail_reply, message, outlook_reply, process, sent, text_of
from workers.runtime import jobs
from workers.runtime.scheduler import Pass
from workers.tracking import daily, headcount
from workers.tracking.headcount_grammar import HeadcountError, read_headcount


@pytest.fixture
def world(db):
    prog = programme()
    sam, priya, ana = (participant(prog, n) for n in ("Sam Lee", "Priya Shah", "Ana Costa"))
    fay = Person.create(name="Fay Facilitator", email="fay@example.org")
    Membership.create(programme=prog, person=fay, role="facilitator")
    workshop = Session.create(programme=prog, title="Workshop 2: feedback", starts_at=day(7, 14),
                              ends_at=day(7, 16), uid="w2@tandem.test")  # fmt: skip
    for person, partstat in ((sam, "ACCEPTED"), (priya, "DECLINED"), (ana, "NEEDS-ACTION")):
        Rsvp.create(session=workshop, person=person, partstat=partstat)
    return {"prog": prog, "sam": sam, "priya": priya, "ana": ana, "fay": fay, "workshop": workshop}


def marks() -> dict[str, bool]:
    return {m.person.name: m.attended for m in AttendanceMark.select()}


def test_the_facilitator_is_asked_once_after_a_programme_session(world):
    prog = world["prog"]
    clock.freeze(day(7, 15))
    assert headcount.send_checks(prog.id) == 0  # not over yet
    clock.freeze(day(8, 6))
    assert headcount.send_checks(prog.id) == 1
    assert headcount.send_checks(prog.id) == 0  # asked once

    email = sent("headcount")[0]
    assert email.to_addr == "fay@example.org"
    assert "Who attended Workshop 2: feedback?" in str(message(email)["Subject"])
    text = text_of(email)
    assert "1. Ana Costa (calendar answer: needs-action)" in text
    assert "2. Priya Shah (calendar answer: declined)" in text
    assert "all but Sam" in text


def test_all_but_a_name_records_attendance_per_person(world):
    prog = world["prog"]
    clock.freeze(day(8, 6))
    headcount.send_checks(prog.id)
    request = message(sent("headcount")[0])

    # When Fay answers from Gmail, greeting and signing off
    raw = gmail_reply(request, "fay@example.org", "Hi,\n\nAll but Priya\n\nThanks,\nFay")
    assert process(raw) == "applied"

    # Then each person is marked, counted as attendance or absence events, and confirmed
    assert marks() == {"Sam Lee": True, "Ana Costa": True, "Priya Shah": False}
    kinds = {
        (e.person.name, e.kind) for e in Event.select().where(Event.ref.startswith("session:"))
    }
    assert kinds == {("Sam Lee", "attendance"), ("Ana Costa", "attendance"),
                     ("Priya Shah", "absence")}  # fmt: skip
    assert "Priya Shah: did not attend" in text_of(sent("confirmation")[0])


def test_a_correction_changes_only_who_changed(world):
    clock.freeze(day(8, 6))
    headcount.send_checks(world["prog"].id)
    request = message(sent("headcount")[0])
    process(gmail_reply(request, "fay@example.org", "Sam and Ana came"))
    process(outlook_reply(request, "fay@example.org", "Sorry, all of them came.\n\nFay"))
    assert marks() == {"Sam Lee": True, "Ana Costa": True, "Priya Shah": True}
    # Priya's absence is taken back: she attended one session, and missed none
    priya = Event.select().where((Event.person == world["priya"]) & Event.ref.startswith("session"))
    assert [e.kind for e in priya] == ["attendance"]
    sam = Event.select().where((Event.person == world["sam"]) & Event.ref.startswith("session"))
    assert sam.count() == 1
    sessions = {a.person.name: (a.attended, a.absent) for a in Attendance.select()}
    assert sessions == {"Sam Lee": (1, 0), "Ana Costa": (1, 0), "Priya Shah": (1, 0)}
    week = PersonWeek.get(PersonWeek.person == world["priya"])
    assert (week.events, week.attended, week.absent) == (1, 1, 0)


def test_an_unclear_answer_is_kept_and_asked_back(world):
    clock.freeze(day(8, 6))
    headcount.send_checks(world["prog"].id)
    request = message(sent("headcount")[0])
    assert process(gmail_reply(request, "fay@example.org", "Bob and Sam")) == "quarantined"
    assert process(gmail_reply(request, "sam.lee@example.org", "all")) == "quarantined"
    assert marks() == {}


def test_a_mentoring_occurrence_is_asked_of_its_mentor(world):
    prog, sam, priya = world["prog"], world["sam"], world["priya"]
    maya = mentor(prog, "Maya", [sam, priya])
    group = MentoringGroup.get(MentoringGroup.mentor == maya)
    session = Session.create(programme=prog, title="Group mentoring", starts_at=day(9, 17),
                             ends_at=day(9, 18), uid="g1@tandem.test")  # fmt: skip
    series = SessionSeries.create(programme=prog, group=group, session=session, kind="group")
    occurrence = Occurrence.create(series=series, recurrence_id=day(9, 17), starts_at=day(9, 17),
                                   ends_at=day(9, 18))  # fmt: skip
    clock.freeze(day(10, 6))

    # the workshop and the occurrence; the series' own session is not asked about again
    assert headcount.send_checks(prog.id) == 2
    email = [m for m in sent("headcount") if m.to_addr == "maya@example.org"][0]
    assert "1. Priya Shah" in text_of(email) and "2. Sam Lee" in text_of(email)
    assert process(gmail_reply(message(email), "maya@example.org", "Priya")) == "applied"

    rsvps = {r.person.name: r.attended for r in OccurrenceRsvp.select()}
    assert rsvps == {"Sam Lee": False, "Priya Shah": True}
    assert occurrence.id and marks() == {"Sam Lee": False, "Priya Shah": True}


def test_an_occurrence_whose_feedback_said_who_came_is_not_asked(world):
    prog, sam = world["prog"], world["sam"]
    maya = mentor(prog, "Maya", [sam])
    group = MentoringGroup.get(MentoringGroup.mentor == maya)
    session = Session.create(programme=prog, title="Pair", starts_at=day(9, 17),
                             ends_at=day(9, 18), uid="p1@tandem.test")  # fmt: skip
    series = SessionSeries.create(programme=prog, group=group, session=session)
    occurrence = Occurrence.create(series=series, recurrence_id=day(9, 17), starts_at=day(9, 17),
                                   ends_at=day(9, 18))  # fmt: skip
    OccurrenceRsvp.create(occurrence=occurrence, person=sam, attended=True, attended_by="person:9")
    clock.freeze(day(10, 6))
    headcount.send_checks(prog.id)
    assert [e.to_addr for e in sent("headcount")] == ["fay@example.org"]  # the workshop only


NAMES = ["Ana Costa", "Priya Shah", "Sam Lee", "Sam Ortiz"]


@pytest.mark.parametrize(
    "line, came",
    [
        ("all", {1, 2, 3, 4}),
        ("Everyone.", {1, 2, 3, 4}),
        ("none", set()),
        ("all but Priya", {1, 3, 4}),
        ("Everyone except Ana and Sam Ortiz", {2, 3}),
        ("Priya, Ana and 4 came", {1, 2, 4}),
        ("only Ana", {1}),
        ("Attended: Priya Shah, Lee", {2, 3}),
        ("Pryia and Ana", {1, 2}),
        ("Hello,\n\nall apart from 3\n\nBest,\nFay", {1, 2, 4}),
    ],
)
def test_read_headcount(line, came):
    assert read_headcount(line, NAMES, ("Fay",)) == came


@pytest.mark.parametrize(
    "line, error",
    [
        ("Sam", "Sam: more than one on the list, give the full name"),
        ("all but Bob", "Bob: not on the list"),
        ("most of them", "most of them: not on the list"),
        ("5", "5: not on the list"),
    ],
)
def test_read_headcount_refuses_what_names_nobody_clearly(line, error):
    with pytest.raises(HeadcountError, match=error):
        read_headcount(line, NAMES)


def test_a_session_long_past_is_not_asked(world):
    clock.freeze(day(7) + dt.timedelta(days=5))
    assert headcount.send_checks(world["prog"].id) == 0


def test_the_hourly_pass_asks_within_the_hour_after_the_session(world):
    # Given the workshop ending at 16:00, when the scheduler passes at 16:20
    now = day(7, 16) + dt.timedelta(minutes=20)
    clock.freeze(now)
    daily.schedule_today(Pass(now))
    job = Job.get(Job.kind == daily.HEADCOUNT_JOB)

    # Then the hour's job asks the facilitator
    assert jobs.run(job.id) == "done"
    assert [m.to_addr for m in sent("headcount")] == ["fay@example.org"]
