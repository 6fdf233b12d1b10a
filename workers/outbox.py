"""Write emails to the outbox in the caller's transaction; deliver them after it commits."""

from __future__ import annotations

import contextvars
import hashlib
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from models import OutboundEmail, Person, clock, db
from workers import settings as settings_mod
from workers.dbmiddleware import write_transaction
from workers.scheduler import REENQUEUE_AFTER
from workers.tokens import make_reply_address

logger = logging.getLogger(__name__)

_pending: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "outbox_pending", default=None
)


def new_message_id(idem_key: str, domain: str) -> str:
    """Return a Message-ID derived from the idempotency key, stable across retries."""
    digest = hashlib.sha256(idem_key.encode()).hexdigest()[:24]
    return f"<{digest}.{uuid.uuid4().hex[:8]}@{domain}>"


def queue_email(
    kind: str,
    person: Person,
    ctx: dict,
    *,
    key: str,
    about: tuple[str, int] | None = None,
    calendar: str | None = None,
    calendar_method: str = "",
    in_reply_to: str = "",
) -> OutboundEmail:
    """Write email ``kind`` to ``person`` to the outbox; ``key`` makes it idempotent.

    ``about`` is the object a reply answers, as ``(object_type, object_id)``; it puts a
    signed reply address on the email. Returns the existing row when ``key`` was queued before.
    """
    settings = settings_mod.get()
    existing = OutboundEmail.get_or_none(OutboundEmail.idem_key == key)
    if existing is not None:
        return existing
    reply_to = ""
    if about is not None:
        reply_to = make_reply_address(
            settings.secret_key,
            settings.reply_domain,
            person.id,
            about[0],
            about[1],
            settings.reply_token_days,
        )
    row = OutboundEmail.create(
        kind=kind,
        to_addr=person.email,
        person=person,
        ctx={**ctx, "recipient_name": person.name},
        message_id=new_message_id(key, settings.reply_domain),
        idem_key=key,
        reply_to=reply_to,
        in_reply_to=in_reply_to,
        calendar=calendar,
        calendar_method=calendar_method,
        object_type=about[0] if about else "",
        object_id=about[1] if about else None,
        # Enqueued after commit: the scheduler leaves it to that message for a while.
        lease_until=clock.now() + REENQUEUE_AFTER if _pending.get() is not None else None,
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(row.id)
    return row


def enqueue_delivery(email_ids: list[int]) -> None:
    """Ask the workers to deliver these emails; the scheduler catches any the broker loses."""
    from workers.delivery import deliver_email

    for done, email_id in enumerate(email_ids):
        try:
            deliver_email.send(email_id)
        except Exception:  # any broker's error: the scheduler finds the rows on its next pass
            logger.warning("could not enqueue email %s; the scheduler will retry", email_id)
            hand_to_scheduler(email_ids[done:])
            return


def hand_to_scheduler(email_ids: list[int]) -> None:
    """Let the scheduler's next pass enqueue these queued emails."""
    OutboundEmail.update(lease_until=None).where(
        OutboundEmail.id.in_(email_ids) & (OutboundEmail.status == "queued")
    ).execute()


@contextmanager
def transaction() -> Iterator[list[int]]:
    """Run a domain change and its emails atomically, then enqueue their delivery."""
    outer = _pending.get()
    if outer is not None:  # nested: the outermost transaction enqueues
        with db.atomic():
            yield outer
        return
    pending: list[int] = []
    token = _pending.set(pending)
    try:
        with write_transaction():
            yield pending
    finally:
        _pending.reset(token)
    enqueue_delivery(pending)
