"""Programme objectives over time: each metric computed in the database, snapshotted weekly.

A metric's value at a time comes from the dashboard's aggregates (``dashboard``,
``completion``, ``survey_results``) read as of that time; a custom metric's value is the
latest one entered on or before it. A job every Monday at 06:00 UTC keeps one value per
objective and week (``ObjectiveValue``), so the page draws each objective's course against
its target even for figures, like goal achievement, that only know their present.
"""

from __future__ import annotations

import datetime as dt

from models import Assignee, Objective, ObjectiveValue, Programme, clock
from models.tracking import week_of
from workers.runtime import jobs
from workers.tracking import dashboard, survey_results
from workers.tracking.completion import programme_completion, rate
from workers.tracking.scope import Scope, count_if, count_rows

#: The weekly snapshot job.
SNAPSHOT_JOB = "tracking.objective_snapshots"

#: When in its week the snapshot runs: Monday at this time (UTC).
SNAPSHOT_TIME = dt.time(6, 0)

#: Complete weeks the engagement figure looks back over.
ENGAGEMENT_WEEKS = 4


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def _engagement(programme_id: int, at: dt.datetime) -> float | None:
    """Return the share of participants active in a week, over the last complete weeks (%)."""
    end = dt.datetime.combine(week_of(at), dt.time())
    scope = Scope(programme_id, start=end - dt.timedelta(weeks=ENGAGEMENT_WEEKS), end=end)
    people = dashboard.participant_count(Scope(programme_id))
    weeks, _ = dashboard.weekly(scope)
    if not people:
        return None
    return round(100 * sum(w["active"] for w in weeks) / (people * ENGAGEMENT_WEEKS), 1)


def _assignments(programme_id: int, at: dt.datetime) -> dict:
    """Return work due before ``at``: set, submitted by ``at``, and on time (as of ``at``)."""
    done = Assignee.submitted_at <= at
    row = (
        Assignee.select(
            count_rows().alias("set"),
            count_if(done).alias("submitted"),
            count_if(done & (Assignee.submitted_at <= Assignee.due_at)).alias("on_time"),
        )
        .where((Assignee.programme == programme_id) & (Assignee.due_at < at))
        .dicts()
        .get()
    )
    submitted = int(row["submitted"] or 0)
    return {
        "completion_rate": rate(submitted, row["set"]),
        "on_time_rate": rate(int(row["on_time"] or 0), submitted),
    }


def _satisfaction(programme_id: int, at: dt.datetime) -> float | None:
    _, ratings = dashboard.weekly(Scope(programme_id, end=at))
    return ratings["satisfaction"]["mean"]


def _custom(objective: Objective, at: dt.datetime) -> float | None:
    row = (
        ObjectiveValue.select(ObjectiveValue.value)
        .where((ObjectiveValue.objective == objective.id) & (ObjectiveValue.on <= at.date()))
        .order_by(ObjectiveValue.on.desc())
        .first()
    )
    return row.value if row else None


#: How each computed metric is read for a programme at a time.
METRICS = {
    "completion_rate": lambda p, at: _percent(_assignments(p, at)["completion_rate"]),
    "on_time_rate": lambda p, at: _percent(_assignments(p, at)["on_time_rate"]),
    "goal_achievement": lambda p, at: _percent(dashboard.goals(Scope(p))["achievement_rate"]),
    "engagement": _engagement,
    "satisfaction": _satisfaction,
    "nps": lambda p, at: survey_results.programme_nps(p, at)["nps"],
    "programme_completion": lambda p, at: _percent(programme_completion(Scope(p), at)["rate"]),
}


def value_at(objective: Objective, at: dt.datetime | None = None) -> float | None:
    """Return an objective's metric as of ``at`` (default now), or None when it has none."""
    at = at or clock.now()
    if objective.metric == "custom":
        return _custom(objective, at)
    return METRICS[objective.metric](objective.programme_id, at)


def keep_value(objective: Objective, on: dt.date, value: float, source: str) -> None:
    """Store an objective's value for a day, replacing what that day had."""
    (
        ObjectiveValue.insert(objective=objective.id, on=on, value=value, source=source)
        .on_conflict(
            conflict_target=[ObjectiveValue.objective, ObjectiveValue.on],
            preserve=[ObjectiveValue.value, ObjectiveValue.source, ObjectiveValue.recorded_at],
        )
        .execute()
    )


def snapshot(objectives, at: dt.datetime | None = None) -> int:
    """Keep today's value of each computed objective given; return how many were kept."""
    at = at or clock.now()
    cache: dict[tuple[int, str], float | None] = {}
    kept = 0
    for objective in objectives:
        if objective.metric == "custom":
            continue
        key = (objective.programme_id, objective.metric)
        if key not in cache:
            cache[key] = value_at(objective, at)
        if cache[key] is not None:
            keep_value(objective, at.date(), cache[key], "snapshot")
            kept += 1
    return kept


def snapshot_all(at: dt.datetime | None = None) -> int:
    """Snapshot every objective of the programmes not archived; return how many were kept."""
    current = Programme.select(Programme.id).where(Programme.archived_at.is_null())
    return snapshot(Objective.select().where(Objective.programme.in_(current)), at)


def next_snapshot(after: dt.datetime) -> dt.datetime:
    """Return the first Monday snapshot time after ``after``."""
    monday = dt.datetime.combine(week_of(after), SNAPSHOT_TIME)
    return monday if monday > after else monday + dt.timedelta(weeks=1)


def ensure_snapshots(now: dt.datetime | None = None) -> dt.datetime:
    """Make sure the next weekly snapshot is scheduled (once per week); return when it runs."""
    run_at = next_snapshot(now or clock.now())
    jobs.schedule(SNAPSHOT_JOB, f"tracking:objectives:{run_at.date().isoformat()}", run_at)
    return run_at


@jobs.handler(SNAPSHOT_JOB)
def run_snapshots(payload: dict) -> None:
    """Snapshot every objective, then schedule next week's snapshot."""
    snapshot_all()
    ensure_snapshots()
