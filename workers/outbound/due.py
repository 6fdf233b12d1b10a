"""Emails due for delivery, found by the scheduler: queued ones now due, and stalled sends."""

from __future__ import annotations

import datetime as dt

from models import OutboundEmail
from workers.outbound.delivery import deliver_email
from workers.runtime.scheduler import REENQUEUE_AFTER, Sweep, register

#: Emails enqueued per scheduler pass, so one pass stays short.
BATCH = 2000


def due_emails(now: dt.datetime) -> list[int]:
    """Return queued emails now due, and those whose worker's lease ran out; mark them enqueued.

    On a queued row ``lease_until`` means "a delivery message is on its way until then".
    """
    not_enqueued = OutboundEmail.lease_until.is_null() | (OutboundEmail.lease_until < now)
    waiting = (
        (OutboundEmail.status == "queued") & (OutboundEmail.next_attempt_at <= now) & not_enqueued
    )
    stalled = (OutboundEmail.status == "sending") & (OutboundEmail.lease_until < now)
    rows = OutboundEmail.select(OutboundEmail.id).where(waiting | stalled).limit(BATCH)
    ids = [r.id for r in rows]
    if ids:
        # A stalled row goes back to the queue: the worker that held it is gone.
        OutboundEmail.update(status="queued", lease_until=now + REENQUEUE_AFTER).where(
            OutboundEmail.id.in_(ids) & (waiting | stalled)
        ).execute()
    return ids


def unmark_emails(ids: list[int], now: dt.datetime) -> None:
    """Undo the enqueued marks of emails the broker did not take, so the next pass finds them."""
    if ids:
        OutboundEmail.update(lease_until=None).where(
            OutboundEmail.id.in_(ids) & (OutboundEmail.status == "queued")
        ).execute()


register(Sweep("emails", due_emails, unmark_emails, deliver_email))
