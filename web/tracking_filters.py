"""The dashboard's filters: the cohorts, departments and mentors a programme offers, the
Scope a query string asks for, and the words that name it on a report."""

from __future__ import annotations

import datetime as dt

from models import Cohort, Membership, MentoringGroup, Person, Programme
from models.tracking import PARTICIPANT_ROLE
from workers.tracking.scope import Scope

#: Longest filter value read from the query string.
MAX_FIELD = 200


def filter_options(programme: Programme) -> dict[str, list[tuple]]:
    """Return the cohorts, departments and mentors a programme's filters offer."""
    cohorts = Cohort.select().where(Cohort.programme == programme).order_by(Cohort.name)
    departments = (
        Membership.select(Membership.department)
        .where(
            (Membership.programme == programme)
            & (Membership.role == PARTICIPANT_ROLE)
            & (Membership.department != "")
        )
        .distinct()
        .order_by(Membership.department)
    )
    mentors = (
        Person.select(Person.id, Person.name)
        .join(MentoringGroup, on=(MentoringGroup.mentor == Person.id))
        .where(MentoringGroup.programme == programme)
        .group_by(Person.id, Person.name)
        .order_by(Person.name)
    )
    return {
        "cohort": [("", "All cohorts")] + [(c.id, c.name) for c in cohorts],
        "department": [("", "All departments")] + [(m.department,) * 2 for m in departments],
        "mentor": [("", "All mentors")] + [(p.id, p.name) for p in mentors],
    }


def read_scope(programme: Programme, args, options: dict) -> tuple[Scope, dict, dict]:
    """Return the Scope the query string asks for, the values typed and errors by field."""
    typed = {k: args.get(k, "")[:MAX_FIELD].strip() for k in ("cohort", "department", "mentor")}
    typed |= {k: args.get(k, "")[:MAX_FIELD].strip() for k in ("start", "end")}
    errors: dict[str, str] = {}
    chosen: dict = {}
    for name, word in (("cohort", "cohort"), ("department", "department"), ("mentor", "mentor")):
        if not typed[name]:
            continue
        known = {str(key): key for key, *_ in options[name] if key != ""}
        if typed[name] not in known:
            errors[name] = f"Choose a {word} of this programme."
        else:
            chosen[name] = known[typed[name]]
    for name in ("start", "end"):
        if typed[name]:
            try:
                chosen[name] = dt.datetime.combine(dt.date.fromisoformat(typed[name]), dt.time())
            except ValueError:
                errors[name] = "Give a date as YYYY-MM-DD."
    if "end" in chosen:
        chosen["end"] += dt.timedelta(days=1)  # the end day is included
    if "start" in chosen and "end" in chosen and chosen["end"] <= chosen["start"]:
        errors["end"] = "The period must end on or after its first day."
    scope = Scope(
        programme.id,
        cohort_id=chosen.get("cohort"),
        department=chosen.get("department"),
        mentor_id=chosen.get("mentor"),
        start=chosen.get("start"),
        end=chosen.get("end"),
    )
    return scope, typed, errors


def query_of(typed: dict) -> dict:
    """Return the filters set, to carry into the CSV and report links."""
    return {k: v for k, v in typed.items() if v}


def describe(scope: Scope, options: dict[str, list[tuple]]) -> list[str]:
    """Return the filters of ``scope`` in words, for the reader of a report."""
    names = {field: {key: label for key, label in options[field]} for field in options}
    words = []
    for field, value in (
        ("cohort", scope.cohort_id),
        ("department", scope.department),
        ("mentor", scope.mentor_id),
    ):
        if value is not None:
            words.append(f"{field} {names[field].get(value, value)}")
    if scope.start is not None or scope.end is not None:
        first = scope.start.date().isoformat() if scope.start else "the start"
        last = (scope.end - dt.timedelta(days=1)).date().isoformat() if scope.end else "now"
        words.append(f"period {first} to {last}")
    return words
