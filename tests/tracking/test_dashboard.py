"""Dashboard figures on a tiny programme, checked by hand, with each filter."""

from __future__ import annotations

import pytest

from models import Goal, Person, RiskFlag
from tests.tracking.builders import (
    assignment,
    cohort,
    day,
    events,
    mentor,
    participant,
    programme,
)
from workers.tracking import dashboard, export
from workers.tracking.events import record_submission
from workers.tracking.scope import Scope

#: When the dashboard is looked at: day 21 (Monday of the fourth week).
NOW = day(21)


@pytest.fixture
def workshop(db):
    """Four participants, two departments, two cohorts, two mentors, three assignments.

    A (X, C1, M1)  a1 day 5 (on time), a2 day 16 (late); attended day 2, missed day 16
    B (X, C1, M2)  a1 day 6 (on time), a2 day 15 (late)
    C (Y, C2, M1)  a2 day 13 (on time)
    D (Y, C2)      nothing submitted; missed day 2
    a1 is due on day 7, a2 on day 14, a3 on day 28 (not due yet).
    """
    prog = programme()
    c1, c2 = cohort(prog, "C1"), cohort(prog, "C2")
    a = participant(prog, "A", "X", c1)
    b = participant(prog, "B", "X", c1)
    c = participant(prog, "C", "Y", c2)
    d = participant(prog, "D", "Y", c2)
    m1, m2 = mentor(prog, "M1", [a, c]), mentor(prog, "M2", [b])
    a1, a2, _ = (assignment(prog, f"a{n}", day(7 * n), [a, b, c, d]) for n in (1, 2, 4))
    for work, person, when in ((a1, a, 5), (a2, a, 16), (a1, b, 6), (a2, b, 15), (a2, c, 13)):
        record_submission(work, person.id, day(when))
    events(prog, a, "reply", [1, 2])
    events(prog, a, "satisfaction", [3], 4)
    events(prog, a, "attendance", [2])
    events(prog, a, "absence", [16])
    events(prog, b, "peer", [8])
    events(prog, b, "relay", [9])
    events(prog, c, "attendance", [2])
    events(prog, c, "satisfaction", [3], 2)
    events(prog, c, "reply", [15])
    events(prog, d, "absence", [2])
    events(prog, d, "mentor_rating", [3], 3)
    goals = (("achieved", 100, day(30)), ("active", 50, day(30)), ("dropped", 0, day(60)))
    for person, (status, progress, due) in zip((a, b, c), goals, strict=True):
        Goal.create(
            programme=prog,
            person=person,
            text="g",
            status=status,
            progress=progress,
            due_date=due.date(),
        )
    Goal.create(programme=prog, person=d, text="g", progress=20)
    RiskFlag.create(
        programme=prog,
        person=c,
        reasons=[{"words": "no reply for 6 days"}],
        score=3,
        raised_at=day(20),
    )
    RiskFlag.create(programme=prog, person=d, reasons=[], raised_at=day(10), cleared_at=day(12))
    return {"prog": prog, "c1": c1, "c2": c2, "m1": m1, "m2": m2, "c": c}


def test_it_counts_assignments_with_each_filter(workshop):
    pid = workshop["prog"].id
    cases = [
        (Scope(pid), (8, 5, 3, 0.625, 0.6)),
        (Scope(pid, department="X"), (4, 4, 2, 1.0, 0.5)),
        (Scope(pid, mentor_id=workshop["m1"].id), (4, 3, 2, 0.75, 0.6667)),
        (Scope(pid, cohort_id=workshop["c2"].id), (4, 1, 1, 0.25, 1.0)),
        (Scope(pid, start=day(10)), (4, 3, 1, 0.75, 0.3333)),
        (Scope(pid, end=day(10)), (4, 2, 2, 0.5, 1.0)),
    ]
    for scope, expected in cases:
        found = dashboard.assignments(scope, NOW)
        keys = ("set", "submitted", "on_time", "completion_rate", "on_time_rate")
        assert tuple(found[k] for k in keys) == expected, scope


def test_it_counts_goals(workshop):
    pid = workshop["prog"].id
    assert dashboard.goals(Scope(pid)) == {
        "goals": 4,
        "achieved": 1,
        "dropped": 1,
        "mean_progress": 42.5,
        "achievement_rate": 0.25,
    }
    assert dashboard.goals(Scope(pid, department="Y"))["mean_progress"] == 10.0
    in_period = dashboard.goals(Scope(pid, start=day(0), end=day(40)))
    assert (in_period["goals"], in_period["achieved"], in_period["mean_progress"]) == (2, 1, 75.0)


def test_it_sums_engagement_and_ratings_per_week(workshop):
    pid = workshop["prog"].id
    weeks, ratings = dashboard.weekly(Scope(pid))
    shown = [
        (
            w["week"],
            w["active"],
            w["events"],
            w["replies"],
            w["submissions"],
            w["attended"],
            w["absent"],
            w["peer"],
        )
        for w in weeks
    ]
    assert shown == [
        ("2026-11-02", 3, 6, 2, 2, 2, 1, 0),
        ("2026-11-09", 2, 3, 1, 1, 0, 0, 1),
        ("2026-11-16", 3, 3, 1, 2, 0, 1, 0),
    ]
    assert (weeks[0]["satisfaction_mean"], weeks[0]["mentor_rating_mean"]) == (3.0, 3.0)
    assert ratings == {
        "self_assessment": {"mean": None, "answers": 0},
        "satisfaction": {"mean": 3.0, "answers": 2},
        "mentor_rating": {"mean": 3.0, "answers": 1},
    }


def test_a_filter_sums_the_weeks_of_its_people_only(workshop):
    weeks, ratings = dashboard.weekly(Scope(workshop["prog"].id, cohort_id=workshop["c1"].id))
    assert [(w["week"], w["active"], w["events"], w["absent"]) for w in weeks] == [
        ("2026-11-02", 2, 5, 0),
        ("2026-11-09", 1, 2, 0),
        ("2026-11-16", 2, 2, 1),
    ]
    assert ratings["satisfaction"] == {"mean": 4.0, "answers": 1}
    later, _ = dashboard.weekly(Scope(workshop["prog"].id, start=day(8), end=day(14)))
    assert [w["week"] for w in later] == ["2026-11-09"]


def test_it_counts_who_completes_the_programme(workshop):
    pid = workshop["prog"].id
    # Now: A missed 1 of 2 sessions, C and D have work missing; only B has completed.
    assert dashboard.programme_completion(Scope(pid), NOW) == {
        "participants": 4,
        "completed": 1,
        "rate": 0.25,
    }
    # On day 10 only a1 was due, and A had attended the one session so far.
    assert dashboard.programme_completion(Scope(pid, end=day(10)), NOW)["completed"] == 2
    assert dashboard.programme_completion(Scope(pid, department="X"), NOW)["rate"] == 0.5


def test_it_lists_open_flags_in_scope(workshop):
    pid = workshop["prog"].id
    found = dashboard.at_risk(Scope(pid))
    assert found["open"] == 1
    [row] = found["people"]
    assert (row["name"], row["department"], row["score"]) == ("C", "Y", 3.0)
    assert row["reasons"] == ["no reply for 6 days"]
    assert dashboard.at_risk(Scope(pid, department="X")) == {"open": 0, "people": []}


def test_the_summary_exports_as_csv_with_formulas_made_inert(workshop):
    Person.update(name="=HYPERLINK(1)").where(Person.id == workshop["c"].id).execute()
    summary = dashboard.summary(Scope(workshop["prog"].id), NOW)
    tables = export.tables(summary)

    assert ["completion rate", 0.625] in tables["headline"]
    assert ["at risk", 1] in tables["headline"]
    assert tables["engagement"][1][:3] == ["2026-11-02", 3, 6]
    text = export.to_csv(tables["at_risk"])
    assert text.splitlines()[1].startswith("'=HYPERLINK(1),c@example.org,Y,3.0,")
