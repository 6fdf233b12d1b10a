"""Tell coordinators which emails Tandem gave up delivering: one notice per programme for each
window of failures (``workers.outbound.lifetime``), listing each email with why."""

from __future__ import annotations

import datetime as dt

from models import ActionItem, Cycle, OutboundEmail, Programme, Session
from workers.followup.common import coordinators, cycle_url, reachable
from workers.inbound import objects
from workers.outbound import lifetime, outbox
from workers.runtime import jobs

#: What each kind of email is called in the notice.
KIND_NAMES = {
    "invite": "invitation",
    "invite-cancel": "cancellation",
    "update-request": "progress-update request",
    "summary": "session summary",
}

#: Where the cycle an email is about is found, by its object type (``objects`` finds the
#: programme of any object).
OWNERS = {"session": Session, "cycle": Cycle, "item": ActionItem}


def about(row: OutboundEmail) -> tuple[int | None, int | None]:
    """Return the programme and the cycle an email is about, as far as it says."""
    programme_id = objects.programme_of(row.object_type, row.object_id)
    model = OWNERS.get(row.object_type)
    found = model.get_or_none(model.id == row.object_id) if model and row.object_id else None
    if found is None:
        return programme_id, None  # a mentoring or tracking email: its programme, no cycle
    cycle_id = found.id if model is Cycle else found.cycle_id
    return found.programme_id, cycle_id


def email_line(row: OutboundEmail, cycle: Cycle | None) -> dict:
    """Return one failed email as the notice lists it (plain values)."""
    return {
        "kind": KIND_NAMES.get(row.kind, row.kind.replace("-", " ")),
        "to": row.to_addr,
        "about": cycle.title if cycle else "",
        "reason": row.last_error,
    }


@jobs.handler(lifetime.NOTICE_JOB)
def send_failure_notices(payload: dict) -> None:
    """Queue, for each programme, a notice to its coordinators of the emails that failed in
    the window ``payload`` names (a second run queues nothing new)."""
    since = dt.datetime.fromisoformat(payload["since"])
    groups: dict[int | None, list[tuple[OutboundEmail, Cycle | None]]] = {}
    for row in lifetime.failed_between(since, dt.datetime.fromisoformat(payload["until"])):
        programme_id, cycle_id = about(row)
        cycle = Cycle.get_or_none(Cycle.id == cycle_id) if cycle_id else None
        groups.setdefault(programme_id, []).append((row, cycle))
    with outbox.transaction():
        for programme_id, rows in groups.items():
            programme = Programme.get_or_none(Programme.id == programme_id)
            cycles = [cycle for _, cycle in rows if cycle is not None]
            ctx = {
                "programme": programme.name if programme else "",
                "emails": [email_line(row, cycle) for row, cycle in rows],
                "url": cycle_url(cycles[0].id) if cycles else "",
            }
            for person in reachable(coordinators(programme_id)):
                key = f"delivery-failed:{payload['since']}:{programme_id or 0}:{person.id}"
                outbox.queue_email(lifetime.NOTICE_KIND, person, ctx, key=key)
