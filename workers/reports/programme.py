"""The programme report's figures: headline rates, and how engagement and each activity
relate to goal achievement and satisfaction, per participant.

Every per-person figure is one GROUP BY (engagement and ratings from the weekly table,
goal progress from goals, activity counts from events by kind); only the pairing of those
per-person values and the correlations run in Python. Every figure covers the dashboard's
scope: its cohort, department or mentor, and its period (goals by their due date).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from peewee import fn

from models import Event, Goal, PersonWeek, Programme
from workers.reports import stats
from workers.tracking import dashboard
from workers.tracking.scope import Scope, among, count_rows, in_days, in_period, in_weeks

#: Activities whose effect the report weighs, as participants do them, with their names.
ACTIVITIES = {
    "attendance": "Attending sessions",
    "submission": "Submitting assignments",
    "reply": "Replying by email",
    "relay": "Messages with mentors and peers",
    "peer": "Peer mentoring",
    "material_done": "Modules, readings and videos",
    "self_assessment": "Self-assessments",
    "goal_checkin": "Goal check-ins",
}


def engagement_by_person(scope: Scope) -> dict[int, dict]:
    """Return each participant's engagement events and mean satisfaction over the weeks of
    the period."""
    query = (
        PersonWeek.select(
            PersonWeek.person,
            fn.SUM(PersonWeek.events).alias("events"),
            fn.SUM(PersonWeek.satisfaction_sum).alias("sat_sum"),
            fn.SUM(PersonWeek.satisfaction_n).alias("sat_n"),
        )
        .where(
            (PersonWeek.programme == scope.programme_id)
            & among(PersonWeek.person, scope)
            & in_weeks(PersonWeek.week, scope)
        )
        .group_by(PersonWeek.person)
    )
    return {
        r["person"]: {
            "events": int(r["events"] or 0),
            "satisfaction": float(r["sat_sum"]) / r["sat_n"] if r["sat_n"] else None,
        }
        for r in query.dicts()
    }


def goal_progress_by_person(scope: Scope) -> dict[int, float]:
    """Return each participant's mean goal progress (percent), over goals not dropped that
    are due in the period, as the dashboard counts them."""
    query = (
        Goal.select(Goal.person, fn.AVG(Goal.progress).alias("progress"))
        .where(
            (Goal.programme == scope.programme_id)
            & (Goal.status != "dropped")
            & among(Goal.person, scope)
            & in_days(Goal.due_date, scope)
        )
        .group_by(Goal.person)
    )
    return {r["person"]: float(r["progress"]) for r in query.dicts()}


def activity_counts(scope: Scope) -> dict[str, dict[int, int]]:
    """Return, for each activity, how many times each participant did it in the period."""
    query = (
        Event.select(Event.kind, Event.person, count_rows().alias("n"))
        .where(
            (Event.programme == scope.programme_id)
            & Event.kind.in_(list(ACTIVITIES))
            & among(Event.person, scope)
            & in_period(Event.at, scope)
        )
        .group_by(Event.kind, Event.person)
    )
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for r in query.dicts():
        counts[r["kind"]][r["person"]] = r["n"]
    return counts


def relations(scope: Scope) -> dict:
    """Return how engagement relates to goal achievement and to satisfaction, and each
    activity to goal achievement, each with its n."""
    engagement = engagement_by_person(scope)
    goals = goal_progress_by_person(scope)
    with_goals = sorted(goals)
    to_goals = stats.correlate(
        [engagement.get(p, {}).get("events", 0) for p in with_goals],
        [goals[p] for p in with_goals],
    )
    rated = sorted(p for p, e in engagement.items() if e["satisfaction"] is not None)
    to_satisfaction = stats.correlate(
        [engagement[p]["events"] for p in rated], [engagement[p]["satisfaction"] for p in rated]
    )
    counts = activity_counts(scope)
    activities = []
    for kind, label in ACTIVITIES.items():
        done = counts.get(kind, {})
        result = stats.correlate(
            [done.get(p, 0) for p in with_goals], [goals[p] for p in with_goals]
        )
        activities.append({"kind": kind, "label": label, "people": len(done), **result,
                           "little_effect": stats.little_effect(result)})  # fmt: skip
    return {
        "engagement_goals": to_goals,
        "engagement_satisfaction": to_satisfaction,
        "activities": activities,
    }


def build(
    scope: Scope,
    now: dt.datetime,
    step: Callable[[str], None] = lambda name: None,
    filters: list[str] | None = None,
) -> dict:
    """Return every figure of the programme report over ``scope``; ``filters`` names the
    scope's filters for the reader, and ``step`` is told as each part is done."""
    programme = Programme.get_by_id(scope.programme_id)
    summary = dashboard.summary(scope, now)
    step("headline figures")
    found = relations(scope)
    step("correlations")
    return {"programme": programme.name, "at": now, "summary": summary,
            "filters": filters or [], **found}  # fmt: skip
