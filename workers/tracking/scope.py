"""Which participants and period a tracking figure covers, and the SQL pieces figures share."""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce

from peewee import SQL, Case, Expression, Field, ModelSelect, fn

from models import CohortMember, GroupMember, Membership, MentoringGroup
from models.tracking import PARTICIPANT_ROLE, week_of


@dataclass(frozen=True)
class Scope:
    """A programme's participants narrowed by cohort, department and mentor, over a period."""

    programme_id: int
    cohort_id: int | None = None
    department: str | None = None
    mentor_id: int | None = None
    start: dt.datetime | None = None  # inclusive
    end: dt.datetime | None = None  # exclusive

    @property
    def narrowed(self) -> bool:
        """Tell whether the filters pick some participants rather than all of them."""
        return any(f is not None for f in (self.cohort_id, self.department, self.mentor_id))

    def until(self, now: dt.datetime) -> dt.datetime:
        """Return the end of the period, or ``now`` when the period ends later or never."""
        return min(self.end, now) if self.end is not None else now

    def as_dict(self) -> dict:
        """Return the filters as plain values, for a page or a CSV header."""
        return {
            "programme": self.programme_id,
            "cohort": self.cohort_id,
            "department": self.department,
            "mentor": self.mentor_id,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


def participants(scope: Scope) -> ModelSelect:
    """Return a query of the person ids in scope, to use as ``person IN (...)``."""
    query = Membership.select(Membership.person).where(
        (Membership.programme == scope.programme_id) & (Membership.role == PARTICIPANT_ROLE)
    )
    if scope.department is not None:
        query = query.where(Membership.department == scope.department)
    if scope.cohort_id is not None:
        query = query.where(
            Membership.person.in_(
                CohortMember.select(CohortMember.person).where(
                    CohortMember.cohort == scope.cohort_id
                )
            )
        )
    if scope.mentor_id is not None:
        query = query.where(Membership.person.in_(mentees_of(scope.programme_id, scope.mentor_id)))
    return query


def mentees_of(programme_id: int, mentor_id: int) -> ModelSelect:
    """Return a query of the person ids in the mentoring groups a mentor leads."""
    return (
        GroupMember.select(GroupMember.person)
        .join(MentoringGroup)
        .where((MentoringGroup.programme == programme_id) & (MentoringGroup.mentor == mentor_id))
    )


def among(field: Field, scope: Scope) -> Expression | bool:
    """Return ``field IN (participants)`` when the filters narrow them, else True.

    Rows of tracking tables are about the programme's participants, so without a filter
    the whole programme is the scope and the IN (a probe per row) can be left out.
    """
    return field.in_(participants(scope)) if scope.narrowed else True


def in_weeks(week: Field, scope: Scope) -> Expression | bool:
    """Return the condition that a weekly row's ``week`` (a Monday) lies in the period: a week
    counts when the period starts in it or before, and it starts before the period ends."""
    return _all(
        week >= week_of(scope.start) if scope.start is not None else None,
        week < scope.end.date() if scope.end is not None else None,
    )


def in_days(day: Field, scope: Scope) -> Expression | bool:
    """Return the condition that a date ``day`` (a goal's due date) lies in the period."""
    return _all(
        day >= scope.start.date() if scope.start is not None else None,
        day < scope.end.date() if scope.end is not None else None,
    )


def in_period(at: Field, scope: Scope) -> Expression | bool:
    """Return the condition that a moment ``at`` lies in the period."""
    return _all(
        at >= scope.start if scope.start is not None else None,
        at < scope.end if scope.end is not None else None,
    )


def _all(*conditions: Expression | None) -> Expression | bool:
    """Return the conditions given joined with AND, or True when there are none."""
    given = [c for c in conditions if c is not None]
    return reduce(operator.and_, given) if given else True


def count_if(condition: Expression) -> Expression:
    """Return SUM(CASE WHEN condition THEN 1 ELSE 0 END)."""
    return fn.SUM(Case(None, [(condition, 1)], 0))


def count_rows() -> Expression:
    """Return COUNT(*), which an index can answer alone (COUNT(id) makes PostgreSQL read rows)."""
    return fn.COUNT(SQL("*"))
