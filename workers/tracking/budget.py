"""No survey fatigue: each person gets at most a programme's budget of optional emails a week.

Optional emails are surveys, self-assessments and nudges (``OPTIONAL_KINDS``). Code that
wants to send one calls :func:`schedule_optional` with the time it would like; the answer is
that time when the person's week has room, or the same time of day on the Monday of the first
later week that has room: the email is deferred, never dropped. Deadlines, reminders of
deadlines and replies to what the person wrote (``ESSENTIAL_KINDS``) take no place and are
never held back: for them the answer is always the time asked.

A person's places are counted over all programmes (they have one inbox), each programme
limiting its own requests to its budget. Places are rows with a unique (person, week, slot),
so two workers deciding at once never give out the same place.
"""

from __future__ import annotations

import datetime as dt

from models import OptionalBudget, OptionalSend, clock, db
from models.tracking import week_of
from workers.tracking.errors import TrackingError

#: Optional kinds of email, which count against the budget.
OPTIONAL_KINDS = ("survey", "self_assessment", "nudge")

#: Kinds never held back: deadlines, reminders of a deadline, replies to the person.
ESSENTIAL_KINDS = ("deadline", "deadline_reminder", "reply")

#: Largest budget a programme may set (a week has seven days; more is no budget at all).
MAX_PER_WEEK = 14

#: How far ahead a request may be deferred before Tandem gives up looking for room.
HORIZON_WEEKS = 104


class UnknownEmailKind(TrackingError, ValueError):
    """An email kind is neither optional nor essential."""


class BudgetError(TrackingError, ValueError):
    """A budget is out of range, or no week within the horizon has room."""


def _id(value) -> int:
    return getattr(value, "id", value)


def per_week(programme) -> int:
    """Return a programme's budget of optional emails per person and week."""
    return OptionalBudget.per_week_for(_id(programme))


def set_per_week(programme, count: int) -> None:
    """Set a programme's budget; raise BudgetError unless it is 1..MAX_PER_WEEK."""
    if not isinstance(count, int) or not 1 <= count <= MAX_PER_WEEK:
        raise BudgetError(f"a weekly budget is a whole number from 1 to {MAX_PER_WEEK}")
    (
        OptionalBudget.insert(programme=_id(programme), per_week=count)
        .on_conflict(conflict_target=[OptionalBudget.programme], preserve=[OptionalBudget.per_week])
        .execute()
    )


def is_essential(kind: str) -> bool:
    """Tell whether an email of ``kind`` goes whatever the budget; raise on unknown kinds."""
    if kind in ESSENTIAL_KINDS:
        return True
    if kind in OPTIONAL_KINDS:
        return False
    raise UnknownEmailKind(f"unknown email kind {kind!r}")


def schedule_optional(person, programme, kind: str, when: dt.datetime, ref: str) -> dt.datetime:
    """Take a place for an email of ``kind`` about ``ref``; return when it may be sent.

    ``person`` and ``programme`` are rows or ids. Asking again for the same person and ref
    returns the place taken the first time. Essential kinds return ``when`` and take none.
    """
    if is_essential(kind):
        return when
    person_id, programme_id = _id(person), _id(programme)
    limit = per_week(programme_id)
    with db.atomic():
        for _ in range(HORIZON_WEEKS * MAX_PER_WEEK):
            held = _held(person_id, ref)
            if held is not None:
                return held
            week, slot = _first_free(person_id, week_of(when), limit)
            send_at = when if week == week_of(when) else _same_time(week, when)
            (
                OptionalSend.insert(
                    person=person_id,
                    programme=programme_id,
                    kind=kind,
                    ref=ref,
                    week=week,
                    slot=slot,
                    send_at=send_at,
                )
                .on_conflict_ignore()
                .execute()
            )
    held = _held(person_id, ref)
    if held is None:
        raise BudgetError(f"no room for {ref!r} within {HORIZON_WEEKS} weeks")
    return held


def may_send_optional(person, programme, when: dt.datetime | None = None) -> bool:
    """Tell whether the person's week (of ``when``, default now) still has room."""
    when = when or clock.now()
    taken = _taken(_id(person), week_of(when), week_of(when))
    return len(taken) < per_week(programme)


def release_optional(person, ref: str) -> int:
    """Give back a place not yet used (its email will not go); return how many were freed."""
    return (
        OptionalSend.delete()
        .where(
            (OptionalSend.person == _id(person))
            & (OptionalSend.ref == ref)
            & (OptionalSend.send_at > clock.now())
        )
        .execute()
    )


def used(person, week: dt.date) -> int:
    """Return how many optional emails the person has in the week starting ``week``."""
    return len(_taken(_id(person), week, week))


def _held(person_id: int, ref: str) -> dt.datetime | None:
    row = (
        OptionalSend.select(OptionalSend.send_at)
        .where((OptionalSend.person == person_id) & (OptionalSend.ref == ref))
        .first()
    )
    return row.send_at if row else None


def _taken(person_id: int, first: dt.date, last: dt.date) -> set[tuple[dt.date, int]]:
    query = OptionalSend.select(OptionalSend.week, OptionalSend.slot).where(
        (OptionalSend.person == person_id)
        & (OptionalSend.week >= first)
        & (OptionalSend.week <= last)
    )
    return {(_date(row.week), row.slot) for row in query}


def _first_free(person_id: int, week: dt.date, limit: int) -> tuple[dt.date, int]:
    """Return the first (week, slot) from ``week`` on that no optional email holds."""
    last = week + dt.timedelta(weeks=HORIZON_WEEKS)
    taken = _taken(person_id, week, last)
    while week <= last:
        mine = {slot for day, slot in taken if day == week}
        # Both checks: another programme's larger budget may hold a high slot.
        if len(mine) < limit:
            return week, min(set(range(limit)) - mine)
        week += dt.timedelta(weeks=1)
    raise BudgetError(f"no room within {HORIZON_WEEKS} weeks")


def _same_time(week: dt.date, when: dt.datetime) -> dt.datetime:
    """Return the Monday of ``week`` at the time of day of ``when``."""
    return dt.datetime.combine(week, when.time())


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
