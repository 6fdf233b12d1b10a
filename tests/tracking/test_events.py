"""Recording events and submissions, and the weekly tables kept beside them."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from models import Assignee, Assignment, Attendance, Event, PersonWeek, ProgrammeWeek, Submission
from models.tracking import WEEK_COUNTS
from tests.tracking.builders import assignment, day, events, participant, programme
from workers.tracking.errors import UnknownEventKind
from workers.tracking.events import (
    SESSION_KINDS,
    record,
    record_many,
    record_submission,
    replace,
    sync_assignees,
)
from workers.tracking.weeks import rebuild_weeks


def weeks(prog) -> tuple[list, list, list]:
    """Return the weekly tables and the attendance of a programme as sorted plain rows."""
    people = PersonWeek.select().where(PersonWeek.programme == prog.id)
    shards = ProgrammeWeek.select().where(ProgrammeWeek.programme == prog.id)
    attendance = Attendance.select().where(Attendance.programme == prog.id)
    return (
        sorted((str(w.week), w.person_id, *(getattr(w, c) for c in WEEK_COUNTS)) for w in people),
        sorted(
            (str(w.week), w.shard, w.active, *(getattr(w, c) for c in WEEK_COUNTS)) for w in shards
        ),
        sorted((a.person_id, a.attended, a.absent) for a in attendance),
    )


def test_it_refuses_an_unknown_kind(db):
    prog = programme()
    person = participant(prog, "A")
    with pytest.raises(UnknownEventKind):
        record(prog.id, person.id, "smile", day(1))
    assert Event.select().count() == 0


def test_weeks_kept_as_events_arrive_match_a_recount(db):
    # Given: events one by one and in batches, several per person and week
    prog = programme()
    a, b = participant(prog, "A"), participant(prog, "B")
    events(prog, a, "reply", [0, 1, 8])
    events(prog, a, "absence", [2])
    events(prog, a, "attendance", [9])
    events(prog, a, "satisfaction", [3], 4)
    events(prog, b, "mentor_rating", [3], 2)  # a week with ratings only: not active
    rows = [
        {"programme": prog, "person": b, "kind": k, "at": day(n), "value": v}
        for k, n, v in (("peer", 9, None), ("relay", 9, None), ("satisfaction", 10, 5.0))
    ]
    record_many(rows)
    kept = weeks(prog)

    # When
    rebuild_weeks(prog.id)

    # Then
    assert weeks(prog) == kept
    assert kept[2] == [(a.id, 1, 1)]
    active = Counter()
    for shard in ProgrammeWeek.select():
        active[str(shard.week)] += shard.active
    assert active == {"2026-11-02": 1, "2026-11-09": 2}
    first = PersonWeek.get((PersonWeek.person == a.id) & (PersonWeek.week == day(0).date()))
    assert (first.events, first.replies, first.absent, first.satisfaction_sum) == (2, 2, 1, 4.0)


def test_a_corrected_answer_replaces_the_first_in_the_weeks(db):
    # Given: A's only engagement in its week is a session she attended, B rated a session
    prog = programme()
    a, b = participant(prog, "A"), participant(prog, "B")
    events(prog, a, "reply", [8])
    record(prog.id, a.id, "attendance", day(1), ref="session:1")
    record(prog.id, b.id, "satisfaction", day(1), 2.0, ref="occurrence:3")
    first_week = day(1).date() - dt.timedelta(days=day(1).weekday())

    # When: the answers are corrected, twice for A (applied again: no change)
    replace(prog.id, a.id, "absence", "session:1", SESSION_KINDS, day(2))
    replace(prog.id, a.id, "absence", "session:1", SESSION_KINDS, day(2))
    replace(prog.id, b.id, "satisfaction", "occurrence:3", ("satisfaction",), day(2), 5.0)

    # Then: each counts once, as corrected, and A's first week is no longer active
    kept = weeks(prog)
    assert kept[2] == [(a.id, 0, 1)]
    week = PersonWeek.get((PersonWeek.person == a.id) & (PersonWeek.week == first_week))
    assert (week.events, week.attended, week.absent) == (0, 0, 1)
    rated = PersonWeek.get(PersonWeek.person == b.id)
    assert (rated.satisfaction_sum, rated.satisfaction_n) == (5.0, 1)
    shards = ProgrammeWeek.select().where(ProgrammeWeek.week == first_week)
    assert sum(s.active for s in shards) == 0
    # And the tables are what a recount from the events gives
    rebuild_weeks(prog.id)
    assert weeks(prog) == kept


def test_a_submission_marks_the_first_time_and_records_lateness(db):
    prog = programme()
    person = participant(prog, "A")
    work = assignment(prog, "Case study", day(7), [person])

    record_submission(work, person.id, day(9), "first go")
    record_submission(work, person.id, day(10), "second go")

    assignee = Assignee.get(Assignee.assignment == work.id)
    assert assignee.submitted_at == day(9)
    submission = Submission.get(Submission.assignment == work.id)
    assert (submission.text, submission.submitted_at) == ("second go", day(10))
    late = [e.value for e in Event.select().where(Event.kind == "submission").order_by(Event.at)]
    assert late == [2.0, 3.0]


def test_a_person_can_have_a_due_date_of_their_own(db):
    prog = programme()
    a, b = participant(prog, "A"), participant(prog, "B")
    work = assignment(prog, "Quiz", day(7), [a, b])

    Assignee.set_for(work, [b.id], day(14))

    due = {row.person_id: row.due_at for row in Assignee.select()}
    assert due == {a.id: day(7), b.id: day(14)}


def test_work_written_without_the_helpers_counts_once_synced(db):
    # Given: an assignment and a submission made as plain rows, and one set for A only
    prog = programme()
    a, b = participant(prog, "A"), participant(prog, "B")
    plain = Assignment.create(programme=prog, title="Imported", due_at=day(7))
    Submission.create(assignment=plain, person=b, text="done", submitted_at=day(6))
    assignment(prog, "Only A", day(7), [a])

    # When
    sync_assignees(prog.id)
    sync_assignees(prog.id)

    # Then
    rows = {(r.assignment.title, r.person_id): r.submitted_at for r in Assignee.select()}
    assert rows == {
        ("Imported", a.id): None,
        ("Imported", b.id): day(6),
        ("Only A", a.id): None,
    }
