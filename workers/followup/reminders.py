"""Chase stakeholders who have not answered the update request."""

from __future__ import annotations

import datetime as dt

from models import AuditEvent, Cycle, Person, Session, clock
from workers.followup.common import owned_work, session_of, stakeholders
from workers.followup.trigger import request_ctx
from workers.outbound import outbox
from workers.outbound.outbox import Draft, queue_many
from workers.runtime import jobs
from workers.workspace.programmes import programme_timing

#: Cycle states in which reminders still make sense.
CHASING_STATES = ("triggered",)


def pending_people(cycle: Cycle) -> tuple[list[Person], list[Person]]:
    """Return (who to remind, who cannot be reminded because their address hard-bounced).

    A deactivated person is in neither list: Tandem no longer writes to them at all.
    """
    remind, bounced = [], []
    for participant in stakeholders(cycle):
        if participant.responded_at is not None or not participant.person.is_active:
            continue
        person = participant.person
        (bounced if person.bounce_state == "hard" else remind).append(person)
    return remind, bounced


def superseded(cycle: Cycle, hours: int) -> bool:
    """Tell whether a later reminder is due too (the scheduler was down): send only that one."""
    now = clock.now()
    later = [h for h in programme_timing(cycle.programme).reminder_hours if h < hours]
    deadline = cycle.reply_deadline
    return deadline is not None and any(deadline - dt.timedelta(hours=h) <= now for h in later)


def send_reminders(cycle_id: int, hours: int) -> int:
    """Remind everyone who has not answered (never after they did, never a bounced address)."""
    cycle = Cycle.get_or_none(Cycle.id == cycle_id)
    if cycle is None or cycle.status not in CHASING_STATES:
        return 0
    if superseded(cycle, hours):
        return 0
    session = session_of(cycle)
    remind, bounced = pending_people(cycle)
    items, metrics, values = owned_work(cycle)
    drafts = []
    for person in remind:
        ctx = request_ctx(cycle, session, person, items[person.id], metrics[person.id], values)
        ctx["hours"] = hours
        key = f"cycle:{cycle.id}:reminder:{hours}:{person.id}"
        drafts.append(Draft("reminder", person, ctx, key, ("cycle", cycle.id)))
    with outbox.transaction():
        ids = queue_many(drafts)
        for person in bounced:
            AuditEvent.record("cycle.reminder_skipped", cycle, email=person.email, hours=hours)
    return len(ids)


def send_moved_requests(cycle: Cycle, session: Session) -> int:
    """Send the update request again, with the new date to answer by, to everyone who has not
    answered yet (the session moved); return how many were queued."""
    remind, _ = pending_people(cycle)
    items, metrics, values = owned_work(cycle)
    drafts = []
    for person in remind:
        ctx = request_ctx(cycle, session, person, items[person.id], metrics[person.id], values)
        ctx["moved"] = True
        key = f"cycle:{cycle.id}:update-request:{person.id}:seq{session.sequence}"
        drafts.append(Draft("update-request", person, ctx, key, ("cycle", cycle.id)))
    return len(queue_many(drafts))


@jobs.handler("cycle.reminder")
def run_reminder(payload: dict) -> None:
    """Remind the stakeholders who have not answered yet."""
    send_reminders(payload["cycle_id"], payload["hours"])
