"""The dashboard's aggregates as hand-written SQL: the floor the benchmark compares against.

Each function runs the same query the dashboard does, on the raw connection, with the same
filters, and returns the raw rows: no query builder, no conversion of values.
"""

from __future__ import annotations

import datetime as dt

from models import db
from workers.tracking.completion import COMPLETION_ATTENDANCE
from workers.tracking.dashboard import AT_RISK_SHOWN
from workers.tracking.scope import Scope

#: The counting columns of the weekly tables.
COUNTS = (
    "events",
    "replies",
    "submissions",
    "attended",
    "absent",
    "peer",
    "self_assessment_sum",
    "self_assessment_n",
    "satisfaction_sum",
    "satisfaction_n",
    "mentor_rating_sum",
    "mentor_rating_n",
)


def text(value: dt.datetime | dt.date) -> str:
    """Return a time or a date as both databases compare it with stored values."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value.isoformat()


def people(scope: Scope, p: str) -> tuple[str, list]:
    """Return the participants in scope as a SELECT of person ids."""
    sql = f"SELECT m.person_id FROM membership m WHERE m.programme_id = {p} AND m.role = {p}"
    params: list = [scope.programme_id, "mentee"]
    if scope.department is not None:
        sql += f" AND m.department = {p}"
        params.append(scope.department)
    if scope.cohort_id is not None:
        sql += f" AND m.person_id IN (SELECT person_id FROM cohort_member WHERE cohort_id = {p})"
        params.append(scope.cohort_id)
    if scope.mentor_id is not None:
        sql += (
            " AND m.person_id IN (SELECT gm.person_id FROM group_member gm"
            " JOIN mentoring_group g ON g.id = gm.group_id"
            f" WHERE g.programme_id = {p} AND g.mentor_id = {p})"
        )
        params += [scope.programme_id, scope.mentor_id]
    return sql, params


def among(column: str, scope: Scope, p: str) -> tuple[str, list]:
    """Return `` AND column IN (participants)`` when the filters narrow them."""
    if not scope.narrowed:
        return "", []
    sql, params = people(scope, p)
    return f" AND {column} IN ({sql})", params


def summary(scope: Scope, now: dt.datetime) -> dict:
    """Run every aggregate of the dashboard by hand; return the raw rows."""
    p = db.param
    until = text(scope.until(now))
    return {
        "participants": _one(
            f"SELECT COUNT(*) FROM ({people(scope, p)[0]}) t", people(scope, p)[1]
        ),
        "assignments": _assignments(scope, p, until),
        "goals": _goals(scope, p),
        "weeks": _weeks(scope, p),
        "completion": _completion(scope, p, until, now),
        "at_risk": _at_risk(scope, p),
    }


def _one(sql: str, params: list) -> tuple:
    return db.execute_sql(sql, params).fetchone()


def _assignments(scope: Scope, p: str, until: str) -> tuple:
    sql = (
        "SELECT COUNT(*), COUNT(submitted_at),"
        " SUM(CASE WHEN submitted_at <= due_at THEN 1 ELSE 0 END)"
        f" FROM assignee WHERE programme_id = {p} AND due_at < {p}"
    )
    params: list = [scope.programme_id, until]
    if scope.start is not None:
        sql += f" AND due_at >= {p}"
        params.append(text(scope.start))
    extra, more = among("person_id", scope, p)
    return _one(sql + extra, params + more)


def _goals(scope: Scope, p: str) -> tuple:
    sql = (
        "SELECT COUNT(*), SUM(CASE WHEN status = 'achieved' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN status = 'dropped' THEN 1 ELSE 0 END), AVG(progress)"
        f" FROM goal WHERE programme_id = {p}"
    )
    params: list = [scope.programme_id]
    if scope.start is not None:
        sql += f" AND due_date >= {p}"
        params.append(text(scope.start.date()))
    if scope.end is not None:
        sql += f" AND due_date < {p}"
        params.append(text(scope.end.date()))
    extra, more = among("person_id", scope, p)
    return _one(sql + extra, params + more)


def _weeks(scope: Scope, p: str) -> list[tuple]:
    sums = ", ".join(f"SUM({c})" for c in COUNTS)
    if scope.narrowed:
        active, table = "SUM(CASE WHEN events > 0 THEN 1 ELSE 0 END)", "person_week"
    else:
        active, table = "SUM(active)", "programme_week"
    sql = f"SELECT week, {active}, {sums} FROM {table} WHERE programme_id = {p}"
    params: list = [scope.programme_id]
    if scope.start is not None:
        start = scope.start.date() - dt.timedelta(days=scope.start.weekday())
        sql += f" AND week >= {p}"
        params.append(text(start))
    if scope.end is not None:
        sql += f" AND week < {p}"
        params.append(text(scope.end.date()))
    extra, more = among("person_id", scope, p)
    sql += extra + " GROUP BY week ORDER BY week"
    return db.execute_sql(sql, params + more).fetchall()


def _completion(scope: Scope, p: str, until: str, now: dt.datetime) -> tuple:
    scoped, scoped_params = among("person_id", scope, p)
    missing = (
        f"SELECT person_id FROM assignee WHERE programme_id = {p} AND due_at < {p}"
        f" AND (submitted_at IS NULL OR submitted_at >= {p}){scoped}"
    )
    share = 1 - COMPLETION_ATTENDANCE
    if scope.end is None or scope.end >= now:
        poor = (
            f"SELECT person_id FROM attendance WHERE programme_id = {p}"
            f" AND absent > (attended + absent) * {share}{scoped}"
        )
        poor_params = [scope.programme_id, *scoped_params]
    else:
        sessions = (
            "SELECT person_id AS person, COUNT(*) AS n FROM event"
            f" WHERE programme_id = {p} AND kind = {p} AND at < {p}{scoped} GROUP BY person_id"
        )
        poor = (
            f"SELECT a.person FROM ({sessions}) a LEFT JOIN ({sessions}) t ON t.person = a.person"
            f" WHERE a.n > (a.n + COALESCE(t.n, 0)) * {share}"
        )
        poor_params = [scope.programme_id, "absence", until, *scoped_params]
        poor_params += [scope.programme_id, "attendance", until, *scoped_params]
    sql, params = people(scope, p)
    total = _one(f"SELECT COUNT(*) FROM ({sql}) t", params)
    done = (
        f"SELECT COUNT(*) FROM ({sql} AND m.person_id NOT IN ({missing})"
        f" AND m.person_id NOT IN ({poor})) t"
    )
    params = [*params, scope.programme_id, until, until, *scoped_params, *poor_params]
    return total, _one(done, params)


def _at_risk(scope: Scope, p: str) -> tuple:
    extra, more = among("f.person_id", scope, p)
    where = f"f.programme_id = {p} AND f.cleared_at IS NULL{extra}"
    count = _one(f"SELECT COUNT(*) FROM risk_flag f WHERE {where}", [scope.programme_id, *more])
    rows = db.execute_sql(
        "SELECT f.*, pe.name, pe.email, m.department FROM risk_flag f"
        " JOIN person pe ON pe.id = f.person_id"
        " JOIN membership m ON m.person_id = f.person_id"
        f" AND m.programme_id = f.programme_id AND m.role = {p}"
        f" WHERE {where} ORDER BY f.score DESC, f.raised_at, f.id LIMIT {AT_RISK_SHOWN}",
        ["mentee", scope.programme_id, *more],
    ).fetchall()
    return count, rows
