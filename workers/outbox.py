"""Write emails to the outbox in the caller's transaction; deliver them after it commits."""

from __future__ import annotations

import contextvars
import hashlib
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

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


#: Rows per INSERT statement (SQLite allows 32,766 variables; an email row has 13).
BATCH = 500


@dataclass
class Draft:
    """One email to queue: to ``person``, rendered from template ``kind`` with ``ctx``.

    ``key`` makes it idempotent; ``about`` is the object a reply answers, as
    ``(object_type, object_id)``, and puts a signed reply address on the email.
    """

    kind: str
    person: Person
    ctx: dict
    key: str
    about: tuple[str, int] | None = None
    calendar: str | None = None
    calendar_method: str = ""
    in_reply_to: str = ""
    reply_to: str = field(default="")


def _row(draft: Draft, settings) -> dict:
    reply_to = draft.reply_to
    if draft.about is not None and not reply_to:
        reply_to = make_reply_address(
            settings.secret_key,
            settings.reply_domain,
            draft.person.id,
            draft.about[0],
            draft.about[1],
            settings.reply_token_days,
        )
    return {
        "kind": draft.kind,
        "to_addr": draft.person.email,
        "person": draft.person.id,
        "ctx": {**draft.ctx, "recipient_name": draft.person.name},
        "message_id": new_message_id(draft.key, settings.reply_domain),
        "idem_key": draft.key,
        "reply_to": reply_to,
        "in_reply_to": draft.in_reply_to,
        "calendar": draft.calendar,
        "calendar_method": draft.calendar_method,
        "object_type": draft.about[0] if draft.about else "",
        "object_id": draft.about[1] if draft.about else None,
        # Enqueued after commit: the scheduler leaves it to that message for a while.
        "lease_until": clock.now() + REENQUEUE_AFTER if _pending.get() is not None else None,
    }


def queue_email(kind: str, person: Person, ctx: dict, *, key: str, **options) -> OutboundEmail:
    """Write email ``kind`` to ``person`` to the outbox; ``key`` makes it idempotent.

    ``options`` are the other fields of :class:`Draft` (``about``, ``calendar``, ...).
    Returns the existing row when ``key`` was queued before.
    """
    existing = OutboundEmail.get_or_none(OutboundEmail.idem_key == key)
    if existing is not None:
        return existing
    draft = Draft(kind, person, ctx, key, **options)
    row = OutboundEmail.create(**_row(draft, settings_mod.get()))
    pending = _pending.get()
    if pending is not None:
        pending.append(row.id)
    return row


def _chunks(values: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def queue_many(drafts: list[Draft]) -> list[int]:
    """Write every draft not queued before, a batch per INSERT; return the new rows' ids.

    Call it inside :func:`transaction`, which enqueues their delivery after commit.
    """
    settings = settings_mod.get()
    seen: set[str] = set()
    for chunk in _chunks([d.key for d in drafts]):
        query = OutboundEmail.select(OutboundEmail.idem_key).where(
            OutboundEmail.idem_key.in_(chunk)
        )
        seen.update(r.idem_key for r in query)
    rows = [_row(d, settings) for d in drafts if d.key not in seen]
    for chunk in _chunks(rows):
        OutboundEmail.insert_many(chunk).execute()
    ids: list[int] = []
    for chunk in _chunks([r["idem_key"] for r in rows]):
        query = OutboundEmail.select(OutboundEmail.id).where(OutboundEmail.idem_key.in_(chunk))
        ids.extend(r.id for r in query)
    pending = _pending.get()
    if pending is not None:
        pending.extend(sorted(ids))
    return ids


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
