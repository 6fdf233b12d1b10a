"""The at-risk signals read from a series over time: falling ratings and stalled goals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from peewee import JOIN, Case, ModelSelect, Value, fn

from models import Event, Goal, PersonWeek
from models.tracking import RATING_KINDS, week_of
from workers.tracking.atrisk_signals import Context, Signal, as_datetime, day, plural
from workers.tracking.scope import count_if, count_rows

#: How a rating kind reads in a sentence.
RATING_NAMES = {
    "self_assessment": "self-assessment",
    "satisfaction": "satisfaction",
    "mentor_rating": "mentor's rating",
}


def ranked_ratings(ctx: Context):
    """Return a subquery of every rating up to ``ctx.now``, numbered from the latest (rn 1)."""
    latest_first = fn.ROW_NUMBER().over(
        partition_by=[Event.person, Event.kind], order_by=[Event.at.desc(), Event.id.desc()]
    )
    return (
        Event.select(
            Event.person.alias("person"),
            Event.kind,
            Event.value,
            Event.at,
            latest_first.alias("rn"),
        )
        .where(
            (Event.programme == ctx.programme_id)
            & Event.kind.in_(RATING_KINDS)
            & (Event.at <= ctx.now)
            & Event.value.is_null(False)
            & Event.person.in_(ctx.people)
        )
        .alias("r")
    )


def ratings(ctx: Context) -> Iterator[tuple[int, Signal]]:
    """Flag ratings whose last k are low, or lower than the participant's earlier ones."""
    k, low, drop = ctx.th["trend_values"], ctx.th["rating_low"], ctx.th["trend_drop"]
    r = ranked_ratings(ctx)
    recent = fn.AVG(Case(None, [(r.c.rn <= k, r.c.value)]))
    before = fn.AVG(Case(None, [(r.c.rn > k, r.c.value)]))
    query = (
        Event.select(
            r.c.person,
            r.c.kind,
            recent.alias("recent"),
            before.alias("before"),
            fn.MAX(r.c.at).alias("latest"),
        )
        .from_(r)
        .group_by(r.c.person, r.c.kind)
        .having((count_if(r.c.rn <= k) >= k) & ((recent <= low) | (before - recent >= drop)))
    )
    for row in query.dicts():
        yield row["person"], _rating_signal(row, k, low, drop)


def _rating_signal(row: dict, k: int, low: float, drop: float) -> Signal:
    name, recent, before = RATING_NAMES[row["kind"]], row["recent"], row["before"]
    falling = before is not None and before - recent >= drop
    is_low = recent <= low
    latest = day(as_datetime(row["latest"]))
    if falling:
        words = f"{name} falling: {recent:.1f} in the last {k} against {before:.1f} before"
    else:
        words = f"{name} low: {recent:.1f} in the last {k}"
    data = {
        "kind": row["kind"],
        "recent": round(recent, 2),
        "before": None if before is None else round(before, 2),
        "latest": latest,
    }
    signal = "falling" if falling else "low"
    name = f"{row['kind']}_{signal}"
    return Signal(name, "ratings", f"{words} (latest {latest})", data, falling and is_low)


def engagement(ctx: Context) -> Iterator[tuple[int, Signal]]:
    """Flag participants whose weekly engagement fell well below their own earlier weeks."""
    recent_weeks, drop = ctx.th["engagement_weeks"], ctx.th["engagement_drop"]
    this_week = week_of(ctx.now)  # not over yet, so left out
    since = this_week - dt.timedelta(weeks=recent_weeks)
    recent = fn.SUM(Case(None, [(PersonWeek.week >= since, PersonWeek.events)], 0))
    before = fn.SUM(Case(None, [(PersonWeek.week < since, PersonWeek.events)], 0))
    first = fn.MIN(PersonWeek.week)
    query = (
        PersonWeek.select(
            PersonWeek.person, recent.alias("recent"), before.alias("before"), first.alias("first")
        )
        .where(
            (PersonWeek.programme == ctx.programme_id)
            & (PersonWeek.week < this_week)
            & PersonWeek.person.in_(ctx.people)
        )
        .group_by(PersonWeek.person)
    )
    for row in query.dicts():
        weeks_before = (since - _date(row["first"])).days // 7
        if weeks_before < recent_weeks:
            continue  # too little history to know what is usual for them
        usual, lately = row["before"] / weeks_before, row["recent"] / recent_weeks
        if usual >= ctx.th["engagement_min"] and lately <= usual * (1 - drop):
            words = (
                f"engagement fell to {lately:.1f} a week in the last {recent_weeks} weeks,"
                f" from {usual:.1f} before"
            )
            data = {"recent": round(lately, 2), "usual": round(usual, 2), "weeks": recent_weeks}
            yield row["person"], Signal("engagement_falling", "activity", words, data)


def goal_moves(ctx: Context):
    """Return a subquery: per goal ref, when its progress last rose and the best it reached."""
    previous = fn.LAG(Event.value).over(partition_by=[Event.ref], order_by=[Event.at, Event.id])
    checkins = (
        Event.select(Event.ref, Event.at, Event.value, previous.alias("prev"))
        .where(
            (Event.programme == ctx.programme_id)
            & (Event.kind == "goal_checkin")
            & (Event.at <= ctx.now)
        )
        .alias("c")
    )
    rose = checkins.c.prev.is_null() | (checkins.c.value > checkins.c.prev)
    return (
        Event.select(
            checkins.c.ref,
            fn.MAX(Case(None, [(rose, checkins.c.at)])).alias("moved"),
            fn.MAX(checkins.c.value).alias("best"),
        )
        .from_(checkins)
        .group_by(checkins.c.ref)
        .alias("mv")
    )


def stalled_query(ctx: Context) -> tuple[ModelSelect, object, object]:
    """Return (the active goals stalled at ``ctx.now``, their "since" and "best" columns)."""
    moves = goal_moves(ctx)
    since = fn.COALESCE(moves.c.moved, Goal.created_at)
    query = (
        Goal.select()
        .join(moves, JOIN.LEFT_OUTER, on=(moves.c.ref == Value("goal:").concat(Goal.id)))
        .where(
            (Goal.programme == ctx.programme_id)
            & (Goal.status == "active")
            & (Goal.progress < 100)
            & (Goal.created_at <= ctx.now)
            & Goal.person.in_(ctx.people)
            & (since < ctx.ago("stalled_days"))
        )
    )
    return query, since, fn.COALESCE(moves.c.best, 0)


def stalled_goals(ctx: Context) -> Iterator[tuple[int, Signal]]:
    """Flag participants with an active goal whose progress has not risen for a while."""
    query, since, _ = stalled_query(ctx)
    query = query.select(Goal.person, count_rows().alias("n"), fn.MIN(since).alias("since"))
    for row in query.group_by(Goal.person).dicts():
        n, since_at = row["n"], as_datetime(row["since"])
        days = (ctx.now - since_at).days
        words = f"{plural(n, 'goal')} stalled for {days} days (since {day(since_at)})"
        data = {"count": n, "since": day(since_at), "days": days}
        yield row["person"], Signal("stalled_goal", "goals", words, data)


def _date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
