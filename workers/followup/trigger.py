"""Trigger a cycle: every stakeholder gets an invitation and a progress-update request."""

from __future__ import annotations

import datetime as dt

from models import Cycle, Participant, Person, Session, clock
from workers.followup import schedule
from workers.followup.common import (
    CycleStateError,
    cycle_url,
    deadline_text,
    item_ctx,
    metric_ctx,
    organizer_address,
    owned_work,
    reachable,
    session_ctx,
    session_of,
    stakeholders,
)
from workers.outbound import outbox
from workers.outbound.invites import SessionInfo, build
from workers.outbound.outbox import Draft, queue_many
from workers.runtime import jobs

#: A short example of an answer, shown in every update request.
EXAMPLE_LINES = (
    "1 done",
    "2 60%",
    "3 blocked: waiting for the budget decision",
)


def session_info(session: Session, cycle: Cycle) -> SessionInfo:
    """Return what the invitation says about ``session``."""
    return SessionInfo(
        uid=session.uid,
        sequence=session.sequence,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        timezone=session.timezone,
        location=session.location,
        description=cycle.objectives,
    )


def invite_draft(
    cycle: Cycle, session: Session, person: Person, method: str, stamp: dt.datetime | None = None
) -> Draft:
    """Return the invitation (or cancellation) email for one person.

    ``stamp`` is the DTSTAMP; the copies sent together share one, and with it the calendar
    text every copy has in common, encoded once (``invites.build``).
    """
    organizer = organizer_address(person.id, session)
    ics = build(
        session_info(session, cycle),
        method=method,
        organizer=organizer,
        organizer_name="Tandem",
        attendee=person.email,
        attendee_name=person.name,
        stamp=stamp or clock.now().replace(microsecond=0),
    )
    kind = "invite" if method == "REQUEST" else "invite-cancel"
    ctx = {
        "cycle": {"id": cycle.id, "title": cycle.title, "objectives": cycle.objectives},
        "session": session_ctx(session, person.timezone or session.timezone),
        "update": session.sequence > 0,
    }
    key = f"cycle:{cycle.id}:{kind}:{person.id}:seq{session.sequence}"
    return Draft(kind, person, ctx, key, ("session", session.id), ics, method, reply_to=organizer)


def request_ctx(cycle: Cycle, session: Session, person: Person, items, metrics, values) -> dict:
    """Return the plain context of one person's progress-update request."""
    zone = person.timezone or session.timezone
    numbered = [item_ctx(item, n) for n, item in enumerate(items, 1)]
    metric_rows = [metric_ctx(m, values.get(m.id)) for m in metrics]
    example = list(EXAMPLE_LINES[: max(1, len(numbered))])
    example += [
        f"{m['name']}: {m['target'] if m['target'] is not None else 42:g}" for m in metric_rows[:1]
    ]
    example += ["Barriers: we still need a data owner", "Comment: on track for December"]
    return {
        "cycle": {"id": cycle.id, "title": cycle.title, "objectives": cycle.objectives},
        "session": session_ctx(session, zone),
        "deadline": deadline_text(cycle.reply_deadline, zone),
        "items": numbered,
        "metrics": metric_rows,
        "example": example,
        "url": cycle_url(cycle.id),
    }


def _claim(cycle_id: int) -> Cycle:
    updated = (
        Cycle.update(status="triggered", triggered_at=clock.now())
        .where((Cycle.id == cycle_id) & (Cycle.status == "draft"))
        .execute()
    )
    cycle = Cycle.get_by_id(cycle_id)
    if updated != 1:
        raise CycleStateError(f"cycle {cycle_id} is {cycle.status}, not a draft")
    return cycle


def trigger(cycle_id: int) -> int:
    """Send the cycle's invitations and update requests and schedule its due work.

    1. Mark the draft triggered (a second call raises CycleStateError).
    2. Load stakeholders, their open items and owned metrics in three queries.
    3. Queue two emails per stakeholder Tandem may still email (active, not hard-bounced),
       in batches, in the same transaction.
    4. Schedule the reminders, the brief, the notes request and the summary.
    Returns the number of emails queued.
    """
    with outbox.transaction():
        cycle = _claim(cycle_id)
        session = session_of(cycle)
        if session is None:
            raise CycleStateError(f"cycle {cycle_id} has no session")
        people = reachable(p.person for p in stakeholders(cycle))
        items, metrics, values = owned_work(cycle)
        drafts, stamp = [], clock.now().replace(microsecond=0)
        for person in people:
            drafts.append(invite_draft(cycle, session, person, "REQUEST", stamp))
            ctx = request_ctx(cycle, session, person, items[person.id], metrics[person.id], values)
            key = f"cycle:{cycle.id}:update-request:{person.id}"
            drafts.append(Draft("update-request", person, ctx, key, ("cycle", cycle.id)))
        ids = queue_many(drafts)
        schedule.schedule_cycle(cycle, session)
    return len(ids)


def resend_invites(cycle: Cycle, session: Session, method: str = "REQUEST") -> int:
    """Queue the current SEQUENCE of the invitation (or its CANCEL) to every stakeholder."""
    people = reachable(p.person for p in stakeholders(cycle))
    stamp = clock.now().replace(microsecond=0)
    drafts = [invite_draft(cycle, session, person, method, stamp) for person in people]
    return len(queue_many(drafts))


def responders(cycle: Cycle) -> set[int]:
    """Return the ids of the people who have answered the cycle's update request."""
    query = Participant.select(Participant.person).where(
        (Participant.cycle == cycle) & Participant.responded_at.is_null(False)
    )
    return {p.person_id for p in query}


@jobs.handler("cycle.auto_trigger")
def run_auto_trigger(payload: dict) -> None:
    """Trigger a drafted cycle that was set to trigger on its own."""
    cycle = Cycle.get_or_none(Cycle.id == payload["cycle_id"])
    if cycle is not None and cycle.status == "draft":
        trigger(cycle.id)
