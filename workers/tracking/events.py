"""Record what participants do as events, keeping the weekly engagement counts beside them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from peewee import fn

from models import Assignee, Assignment, Event, Membership, Submission, clock, db
from models.tracking import EVENT_KINDS, PARTICIPANT_ROLE, week_of
from workers.tracking.errors import UnknownEventKind
from workers.tracking.weeks import add_to_weeks

#: The kinds that say whether a person came to a session: one replaces the other.
SESSION_KINDS = ("attendance", "absence")

#: Rows per INSERT when recording many events at once.
BATCH = 1000


def record(
    programme_id: int,
    person_id: int,
    kind: str,
    at: dt.datetime | None = None,
    value: float | None = None,
    ref: str = "",
) -> Event:
    """Record one event (now unless ``at`` says when) and count it in its week."""
    at = at or clock.now()
    row = _row(
        {
            "programme": programme_id,
            "person": person_id,
            "kind": kind,
            "at": at,
            "value": value,
            "ref": ref,
        }
    )
    with db.atomic():
        event = Event.create(**row)
        add_to_weeks([row])
    return event


def replace(
    programme_id: int,
    person_id: int,
    kind: str,
    ref: str,
    kinds: tuple[str, ...],
    at: dt.datetime | None = None,
    value: float | None = None,
) -> Event:
    """Record ``kind`` about ``ref`` in place of the person's earlier events of ``kinds``
    about it: a corrected answer ("did not attend" after "attended", a new rating) counts
    once, as its last version."""
    with db.atomic():
        retract(programme_id, person_id, kinds, ref)
        return record(programme_id, person_id, kind, at, value, ref)


def retract(programme_id: int, person_id: int, kinds: tuple[str, ...], ref: str) -> int:
    """Delete the person's events of ``kinds`` about ``ref`` and take them off their weeks;
    return how many there were."""
    theirs = (
        (Event.programme == programme_id)
        & (Event.person == person_id)
        & Event.kind.in_(kinds)
        & (Event.ref == ref)
    )
    with db.atomic():
        rows = list(
            Event.select(
                Event.id, Event.programme, Event.person, Event.kind, Event.week, Event.value
            )  # fmt: skip
            .where(theirs)
            .dicts()
        )
        if rows:
            Event.delete().where(Event.id.in_([row["id"] for row in rows])).execute()
            add_to_weeks(rows, sign=-1)
    return len(rows)


def record_many(rows: Iterable[dict]) -> int:
    """Record events given as dicts (programme, person, kind, at, value, ref); return how many."""
    prepared = [_row(r) for r in rows]
    with db.atomic():
        for start in range(0, len(prepared), BATCH):
            Event.insert_many(prepared[start : start + BATCH]).execute()
        add_to_weeks(prepared)
    return len(prepared)


def record_submission(
    assignment: Assignment,
    person_id: int,
    at: dt.datetime | None = None,
    text: str = "",
    inbound: int | None = None,
) -> Submission:
    """Store a submission (the latest text wins), mark the first one and record the event."""
    at = at or clock.now()
    mine = (Assignee.assignment == assignment.id) & (Assignee.person == person_id)
    with db.atomic():
        assignee = Assignee.get_or_none(mine)
        due = assignee.due_at if assignee else assignment.due_at
        (
            Submission.insert(
                assignment=assignment.id,
                person=person_id,
                text=text,
                inbound=inbound,
                submitted_at=at,
            )
            .on_conflict(
                conflict_target=[Submission.assignment, Submission.person],
                preserve=[Submission.text, Submission.inbound, Submission.submitted_at],
            )
            .execute()
        )
        # The first submission decides whether the work was on time; later ones improve it.
        Assignee.update(submitted_at=at).where(mine & Assignee.submitted_at.is_null()).execute()
        late_days = (at - due).total_seconds() / 86400
        ref = f"assignment:{assignment.id}"
        record(assignment.programme_id, person_id, "submission", at, late_days, ref)
    return Submission.get(
        (Submission.assignment == assignment.id) & (Submission.person == person_id)
    )


def sync_assignees(programme_id: int) -> None:
    """Set assignments nobody was given for every participant, and mark submissions made.

    Assignments and submissions written without ``Assignee.set_for`` and
    ``record_submission`` (an import, a script) then count like the others.
    """
    given = Assignee.select().where(Assignee.assignment == Assignment.id)
    everyone = (
        Assignment.select(Assignment.id, Assignment.programme, Membership.person, Assignment.due_at)
        .join(
            Membership,
            on=(Membership.programme == Assignment.programme)
            & (Membership.role == PARTICIPANT_ROLE),
        )
        .where((Assignment.programme == programme_id) & ~fn.EXISTS(given))
    )
    fields = [Assignee.assignment, Assignee.programme, Assignee.person, Assignee.due_at]
    Assignee.insert_from(everyone, fields).on_conflict_ignore().execute()
    theirs = (Submission.assignment == Assignee.assignment) & (Submission.person == Assignee.person)
    first = Submission.select(fn.MIN(Submission.submitted_at)).where(theirs)
    (
        Assignee.update(submitted_at=first)
        .where(
            (Assignee.programme == programme_id)
            & Assignee.submitted_at.is_null()
            & fn.EXISTS(Submission.select().where(theirs))
        )
        .execute()
    )


def _row(row: dict) -> dict:
    if row["kind"] not in EVENT_KINDS:
        raise UnknownEventKind(f"unknown event kind {row['kind']!r}")
    ids = {key: getattr(row[key], "id", row[key]) for key in ("programme", "person")}
    return {"value": None, "ref": "", **row, **ids, "week": week_of(row["at"])}
