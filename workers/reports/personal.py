"""A personal progress report's figures, for a batch of participants at once.

Each section is one GROUP BY query over the batch (assignments, attendance, engagement and
ratings, goals, feedback, badges), so a round of reports for a large programme reads each
table a few times per batch, never once per person or once per event.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from peewee import fn

from models import (
    Assignee,
    Assignment,
    Attendance,
    Badge,
    Goal,
    Membership,
    Person,
    PersonWeek,
    Programme,
    Submission,
)
from models.tracking import PARTICIPANT_ROLE, week_of
from workers.tracking.completion import rate
from workers.tracking.scope import count_if

#: Weeks of engagement a report charts, the latest last.
WEEKS_SHOWN = 8

#: Feedback items a report quotes, the latest first.
FEEDBACK_SHOWN = 3

#: Longest feedback text quoted.
MAX_FEEDBACK = 600


def people(programme_id: int, person_ids: list[int]) -> dict[int, dict]:
    """Return the batch's participants (name, email, department) by id."""
    query = (
        Person.select(Person.id, Person.name, Person.email, Membership.department)
        .join(Membership, on=(Membership.person == Person.id))
        .where(
            (Membership.programme == programme_id)
            & (Membership.role == PARTICIPANT_ROLE)
            & Person.id.in_(person_ids)
        )
    )
    return {r["id"]: r for r in query.dicts()}


def assignments(programme_id: int, person_ids: list[int], now: dt.datetime) -> dict[int, dict]:
    """Return each person's assignments due so far: set, submitted, on time, overdue, upcoming."""
    due = Assignee.due_at < now
    query = (
        Assignee.select(
            Assignee.person,
            count_if(due).alias("set"),
            count_if(due & Assignee.submitted_at.is_null(False)).alias("submitted"),
            count_if(due & (Assignee.submitted_at <= Assignee.due_at)).alias("on_time"),
            count_if(due & Assignee.submitted_at.is_null()).alias("overdue"),
            count_if(~due & Assignee.submitted_at.is_null()).alias("upcoming"),
        )
        .where((Assignee.programme == programme_id) & Assignee.person.in_(person_ids))
        .group_by(Assignee.person)
    )
    rows = {}
    for r in query.dicts():
        counts = {k: int(r[k] or 0) for k in ("set", "submitted", "on_time", "overdue", "upcoming")}
        counts["completion_rate"] = rate(counts["submitted"], counts["set"])
        counts["on_time_rate"] = rate(counts["on_time"], counts["submitted"])
        rows[r["person"]] = counts
    return rows


def attendance(programme_id: int, person_ids: list[int]) -> dict[int, dict]:
    """Return each person's sessions attended and missed, and the share attended."""
    query = Attendance.select(Attendance.person, Attendance.attended, Attendance.absent).where(
        (Attendance.programme == programme_id) & Attendance.person.in_(person_ids)
    )
    return {
        r["person"]: {
            "attended": r["attended"],
            "absent": r["absent"],
            "rate": rate(r["attended"], r["attended"] + r["absent"]),
        }
        for r in query.dicts()
    }


def weeks(programme_id: int, person_ids: list[int], now: dt.datetime) -> dict[int, list[dict]]:
    """Return each person's engagement and ratings in the last WEEKS_SHOWN weeks, oldest first."""
    first = week_of(now) - dt.timedelta(weeks=WEEKS_SHOWN - 1)
    query = (
        PersonWeek.select(
            PersonWeek.person,
            PersonWeek.week,
            PersonWeek.events,
        )
        .where(
            (PersonWeek.programme == programme_id)
            & PersonWeek.person.in_(person_ids)
            & (PersonWeek.week >= first)
        )
        .order_by(PersonWeek.person, PersonWeek.week)
    )
    found: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for r in query.dicts():
        week = r["week"] if isinstance(r["week"], dt.date) else dt.date.fromisoformat(r["week"])
        found[r["person"]][week] = int(r["events"] or 0)
    days = [first + dt.timedelta(weeks=i) for i in range(WEEKS_SHOWN)]
    return {
        pid: [{"week": d.isoformat(), "events": found.get(pid, {}).get(d, 0)} for d in days]
        for pid in person_ids
    }


def ratings(programme_id: int, person_ids: list[int]) -> dict[int, dict]:
    """Return each person's mean satisfaction, self-assessment and mentor rating so far."""
    kinds = ("satisfaction", "self_assessment", "mentor_rating")
    sums = [
        fn.SUM(getattr(PersonWeek, f"{k}_{part}")).alias(f"{k}_{part}")
        for k in kinds
        for part in ("sum", "n")
    ]
    query = (
        PersonWeek.select(PersonWeek.person, fn.SUM(PersonWeek.events).alias("events"), *sums)
        .where((PersonWeek.programme == programme_id) & PersonWeek.person.in_(person_ids))
        .group_by(PersonWeek.person)
    )
    rows = {}
    for r in query.dicts():
        means = {k: _mean(r[f"{k}_sum"], r[f"{k}_n"]) for k in kinds}
        rows[r["person"]] = {"events": int(r["events"] or 0), **means}
    return rows


def goals(programme_id: int, person_ids: list[int]) -> dict[int, list[dict]]:
    """Return each person's goals not dropped: text, progress, status and due date."""
    query = (
        Goal.select(Goal.person, Goal.text, Goal.progress, Goal.status, Goal.due_date)
        .where(
            (Goal.programme == programme_id)
            & Goal.person.in_(person_ids)
            & (Goal.status != "dropped")
        )
        .order_by(Goal.person, Goal.id)
    )
    rows: dict[int, list[dict]] = defaultdict(list)
    for r in query.dicts():
        due = r["due_date"]
        rows[r["person"]].append({**r, "due_date": due.isoformat() if due else ""})
    return rows


def feedback(programme_id: int, person_ids: list[int]) -> dict[int, list[dict]]:
    """Return the latest facilitator feedback on each person's submissions."""
    query = (
        Submission.select(
            Submission.person, Assignment.title, Submission.score, Submission.feedback
        )
        .join(Assignment)
        .where(
            (Assignment.programme == programme_id)
            & Submission.person.in_(person_ids)
            & (Submission.feedback != "")
        )
        .order_by(Submission.person, Submission.submitted_at.desc())
    )
    rows: dict[int, list[dict]] = defaultdict(list)
    for r in query.dicts():
        if len(rows[r["person"]]) < FEEDBACK_SHOWN:
            rows[r["person"]].append({**r, "feedback": r["feedback"][:MAX_FEEDBACK]})
    return rows


def badges(programme_id: int, person_ids: list[int]) -> dict[int, list[dict]]:
    """Return each person's badges, oldest first."""
    query = (
        Badge.select(Badge.person, Badge.kind, Badge.detail, Badge.awarded_at)
        .where((Badge.programme == programme_id) & Badge.person.in_(person_ids))
        .order_by(Badge.person, Badge.awarded_at, Badge.id)
    )
    rows: dict[int, list[dict]] = defaultdict(list)
    for r in query.dicts():
        rows[r["person"]].append({"kind": r["kind"], "detail": r["detail"]})
    return rows


def reports(programme: Programme, person_ids: list[int], now: dt.datetime) -> list[dict]:
    """Return the personal reports of a batch of participants, as plain values, by name."""
    pid = programme.id
    found = people(pid, person_ids)
    ids = sorted(found)
    sections = {
        "assignments": assignments(pid, ids, now),
        "attendance": attendance(pid, ids),
        "weeks": weeks(pid, ids, now),
        "ratings": ratings(pid, ids),
        "goals": goals(pid, ids),
        "feedback": feedback(pid, ids),
        "badges": badges(pid, ids),
    }
    empty = {
        "assignments": {"set": 0, "submitted": 0, "on_time": 0, "overdue": 0, "upcoming": 0,
                        "completion_rate": None, "on_time_rate": None},
        "attendance": {"attended": 0, "absent": 0, "rate": None},
        "ratings": {"events": 0, "satisfaction": None, "self_assessment": None,
                    "mentor_rating": None},
    }  # fmt: skip
    out = []
    for person_id in ids:
        row = {"person": found[person_id], "programme": programme.name, "at": now.date()}
        for name, values in sections.items():
            row[name] = values.get(person_id, empty.get(name, []))
        out.append(row)
    return sorted(out, key=lambda r: (r["person"]["name"].lower(), r["person"]["id"]))


def _mean(total: float | None, count: int | None) -> float | None:
    return round(float(total) / count, 2) if count else None
