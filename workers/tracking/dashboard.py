"""The programme dashboard's figures: each one GROUP BY query in the database, as plain values."""

from __future__ import annotations

import datetime as dt

from peewee import fn

from models import (
    Assignee,
    Goal,
    Membership,
    Person,
    PersonWeek,
    ProgrammeWeek,
    RiskFlag,
    clock,
)
from models.tracking import PARTICIPANT_ROLE, RATING_KINDS, WEEK_COUNTS
from workers.tracking.completion import programme_completion, rate
from workers.tracking.scope import (
    Scope,
    among,
    count_if,
    count_rows,
    in_days,
    in_weeks,
    participants,
)

#: The weekly engagement figures, as the page and the CSV show them.
ENGAGEMENT_COLUMNS = ("events", "replies", "submissions", "attended", "absent", "peer")

#: Rows the at-risk list shows at most.
AT_RISK_SHOWN = 200


def participant_count(scope: Scope) -> int:
    """Return how many participants the filters select."""
    return participants(scope).count()


def assignments(scope: Scope, now: dt.datetime) -> dict:
    """Return assignments set, submitted and on time, for work due in the period up to now."""
    where = (
        (Assignee.programme == scope.programme_id)
        & (Assignee.due_at < scope.until(now))
        & among(Assignee.person, scope)
    )
    if scope.start is not None:
        where &= Assignee.due_at >= scope.start
    row = (
        Assignee.select(
            count_rows().alias("set"),
            fn.COUNT(Assignee.submitted_at).alias("submitted"),
            count_if(Assignee.submitted_at <= Assignee.due_at).alias("on_time"),
        )
        .where(where)
        .dicts()
        .get()
    )
    set_, submitted, on_time = row["set"], row["submitted"], int(row["on_time"] or 0)
    return {
        "set": set_,
        "submitted": submitted,
        "on_time": on_time,
        "completion_rate": rate(submitted, set_),
        "on_time_rate": rate(on_time, submitted),
    }


def goals(scope: Scope) -> dict:
    """Return goals set, achieved and dropped, and their mean progress (due in the period)."""
    where = (
        (Goal.programme == scope.programme_id)
        & among(Goal.person, scope)
        & in_days(Goal.due_date, scope)
    )
    row = (
        Goal.select(
            count_rows().alias("goals"),
            count_if(Goal.status == "achieved").alias("achieved"),
            count_if(Goal.status == "dropped").alias("dropped"),
            fn.AVG(Goal.progress).alias("progress"),
        )
        .where(where)
        .dicts()
        .get()
    )
    total, achieved = row["goals"], int(row["achieved"] or 0)
    return {
        "goals": total,
        "achieved": achieved,
        "dropped": int(row["dropped"] or 0),
        "mean_progress": None if row["progress"] is None else round(float(row["progress"]), 1),
        "achievement_rate": rate(achieved, total),
    }


def weekly(scope: Scope) -> tuple[list[dict], dict]:
    """Return engagement per week and the ratings over those weeks, from one pass over them."""
    # Everyone's weeks are summed already; some people's are summed from their own rows.
    table = PersonWeek if scope.narrowed else ProgrammeWeek
    active = count_if(table.events > 0) if scope.narrowed else fn.SUM(table.active)
    where = (
        (table.programme == scope.programme_id)
        & among(PersonWeek.person, scope)
        & in_weeks(table.week, scope)
    )
    query = (
        table.select(
            table.week,
            active.alias("active"),
            *(fn.SUM(getattr(table, c)).alias(c) for c in WEEK_COUNTS),
        )
        .where(where)
        .group_by(table.week)
        .order_by(table.week)
    )
    rows = list(query.dicts())
    return [_week_row(row) for row in rows], _ratings(rows)


def _week_row(row: dict) -> dict:
    shown = {c: int(row[c] or 0) for c in ENGAGEMENT_COLUMNS}
    for kind in RATING_KINDS:
        shown[f"{kind}_mean"] = _mean(row[f"{kind}_sum"], row[f"{kind}_n"])
    return {"week": _date(row["week"]).isoformat(), "active": int(row["active"] or 0), **shown}


def _ratings(rows: list[dict]) -> dict:
    """Return each rating kind's mean and number of answers over the weeks' sums."""
    means = {}
    for kind in RATING_KINDS:
        total = sum(float(r[f"{kind}_sum"] or 0) for r in rows)
        answers = sum(int(r[f"{kind}_n"] or 0) for r in rows)
        means[kind] = {"mean": _mean(total, answers), "answers": answers}
    return means


def at_risk(scope: Scope, limit: int = AT_RISK_SHOWN) -> dict:
    """Return how many participants are flagged now, and the list, highest score first."""
    where = (
        (RiskFlag.programme == scope.programme_id)
        & RiskFlag.cleared_at.is_null()
        & among(RiskFlag.person, scope)
    )
    count = RiskFlag.select().where(where).count()
    query = (
        RiskFlag.select(RiskFlag, Person.name, Person.email, Membership.department)
        .join(Person, on=(Person.id == RiskFlag.person))
        .join(
            Membership,
            on=(
                (Membership.person == RiskFlag.person)
                & (Membership.programme == RiskFlag.programme)
                & (Membership.role == PARTICIPANT_ROLE)
            ),
        )
        .where(where)
        .order_by(RiskFlag.score.desc(), RiskFlag.raised_at, RiskFlag.id)
        .limit(limit)
    )
    rows = [
        {
            "flag": row["id"],
            "person": row["person"],
            "name": row["name"],
            "email": row["email"],
            "department": row["department"],
            "score": row["score"],
            "raised_at": _iso(row["raised_at"]),
            "reasons": [reason["words"] for reason in row["reasons"]],
            "intervention_sent_at": _iso(row["intervention_sent_at"]),
            "outcome": row["outcome"],
        }
        for row in query.dicts()
    ]
    return {"open": count, "people": rows}


def summary(scope: Scope, now: dt.datetime | None = None) -> dict:
    """Return every figure of the dashboard for ``scope`` at ``now``, as plain values."""
    now = now or clock.now()
    weeks, ratings = weekly(scope)
    return {
        "filters": scope.as_dict(),
        "at": now.isoformat(timespec="minutes"),
        "participants": participant_count(scope),
        "assignments": assignments(scope, now),
        "goals": goals(scope),
        "engagement": weeks,
        "ratings": ratings,
        "programme_completion": programme_completion(scope, now),
        "at_risk": at_risk(scope),
    }


def _date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _mean(total: float | None, count: int | None) -> float | None:
    return round(float(total) / count, 2) if count else None


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="minutes") if value else None
