"""Write emails to the outbox in the caller's transaction; deliver them after it commits."""

from __future__ import annotations

import contextvars
import hashlib
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import dramatiq

from models import OutboundEmail, Person, SharedContext, clock, db
from workers import settings as settings_mod
from workers.outbound.delivery import (  # noqa: F401
    MAIL_PRIORITY,
    BatchDeliveryError,
    deliver_batch,
)
from workers.outbound.tokens import make_reply_address
from workers.runtime import (
    broker,  # noqa: F401  (the broker, before the actor is declared)
    heartbeat,
)
from workers.runtime.dbmiddleware import write_transaction
from workers.runtime.plainsql import insert_row
from workers.runtime.scheduler import REENQUEUE_AFTER

logger = logging.getLogger(__name__)

_pending: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "outbox_pending", default=None
)


def new_message_id(domain: str) -> str:
    """Return a new Message-ID: 128 random bits, so nobody can guess one to stand in for a
    reply address. It is stored on the row when queued, so every retry sends the same one."""
    return f"<{secrets.token_hex(16)}@{domain}>"


#: Rows per INSERT statement (SQLite allows 32,766 variables; an email row has 13).
BATCH = 500

#: Most emails one delivery message carries (one worker thread sends them in turn).
PER_MESSAGE = 50

#: A transaction's emails are spread over at least this many messages when there are enough
#: of them, so every worker thread gets some.
WORKER_SLOTS = 16

#: Fewest emails a delivery message carries when there are that many: enqueueing costs a
#: broker round trip, so a batch of inbound confirmations goes as one or two messages.
MIN_PER_MESSAGE = 10


@dataclass
class Draft:
    """One email to queue: to ``person``, rendered from template ``kind`` with ``ctx``.

    ``key`` makes it idempotent; ``about`` is the object a reply answers, as
    ``(object_type, object_id)``, and puts a signed reply address on the email. ``shared`` is
    context that many drafts carry alike (the same dict object): it is stored once.
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
    references: str = ""
    shared: dict | None = None


def share(data: dict) -> int:
    """Store context that many emails carry alike, once however often it is shared; return
    its id. Its key is its content's SHA-256, so the same content is the same row."""
    digest = hashlib.sha256(SharedContext.data.db_value(data).encode()).hexdigest()
    SharedContext.insert(digest=digest, data=data).on_conflict_ignore().execute()
    return SharedContext.select(SharedContext.id).where(SharedContext.digest == digest).scalar()


def _row(draft: Draft, settings, shared: dict[int, int]) -> dict:
    after_commit = _pending.get() is not None
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
        "message_id": new_message_id(settings.reply_domain),
        "idem_key": draft.key,
        "reply_to": reply_to,
        "in_reply_to": draft.in_reply_to,
        "references": draft.references or None,
        "shared": shared[id(draft.shared)] if draft.shared is not None else None,
        "calendar": draft.calendar,
        "calendar_method": draft.calendar_method,
        "object_type": draft.about[0] if draft.about else "",
        "object_id": draft.about[1] if draft.about else None,
        # Enqueued after commit: the scheduler leaves it to that message for a while, unless
        # the worker that wrote it stops beating first (killed before it could enqueue).
        "lease_until": clock.now() + REENQUEUE_AFTER if after_commit else None,
        "claimed_by": (heartbeat.holder() or None) if after_commit else None,
    }


def queue_email(kind: str, person: Person, ctx: dict, *, key: str, **options) -> OutboundEmail:
    """Write email ``kind`` to ``person`` to the outbox; ``key`` makes it idempotent.

    ``options`` are the other fields of :class:`Draft` (``about``, ``calendar``, ...).
    Returns the row as written, or, when ``key`` was queued before, the first row's id and
    Message-ID only.
    """
    draft = Draft(kind, person, ctx, key, **options)
    row = OutboundEmail(**_row(draft, settings_mod.get(), _shared_ids([draft])))
    # One statement in the usual case: a key queued before is skipped, then looked up.
    row_id = insert_row(OutboundEmail, row.__data__, or_ignore=True)
    if row_id is None:
        existing = (
            OutboundEmail.select(OutboundEmail.id, OutboundEmail.message_id)
            .where(OutboundEmail.idem_key == key)
            .first()
        )
        if existing is not None:
            return existing
        # Not a repeated key: insert plainly, which raises whatever the ignored insert hid.
        row_id = insert_row(OutboundEmail, row.__data__)
    row.id = row_id
    pending = _pending.get()
    if pending is not None:
        pending.append(row.id)
    return row


def _shared_ids(drafts: list[Draft]) -> dict[int, int]:
    """Store each shared context these drafts carry; return its row's id by the dict's id()."""
    ids: dict[int, int] = {}
    for draft in drafts:
        if draft.shared is not None and id(draft.shared) not in ids:
            ids[id(draft.shared)] = share(draft.shared)
    return ids


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
    fresh = [d for d in drafts if d.key not in seen]
    shared = _shared_ids(fresh)
    rows = [_row(d, settings, shared) for d in fresh]
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


def batches(email_ids: list[int]) -> list[list[int]]:
    """Split ids into delivery messages: PER_MESSAGE at most, MIN_PER_MESSAGE at least (but
    the last), and over WORKER_SLOTS messages when there are enough ids."""
    size = max(MIN_PER_MESSAGE, min(PER_MESSAGE, -(-len(email_ids) // WORKER_SLOTS)))
    return list(_chunks(email_ids, size))


def enqueue_delivery(email_ids: list[int]) -> None:
    """Ask the workers to deliver these emails; the scheduler catches any the broker loses."""
    sent = 0
    for batch in batches(email_ids):
        try:
            deliver_emails.send_with_options(
                args=(batch,), time_limit=len(batch) * deliver_emails.options["time_limit"]
            )
        except Exception:  # any broker's error: the scheduler finds the rows on its next pass
            logger.warning("could not enqueue %s emails; the scheduler will retry", len(batch))
            hand_to_scheduler(email_ids[sent:])
            return
        sent += len(batch)


@dramatiq.actor(queue_name="mail", max_retries=3, time_limit=90_000, priority=MAIL_PRIORITY)
def deliver_emails(email_ids: list[int]) -> None:
    """Deliver each email of the batch on its own (``workers.outbound.delivery.deliver_batch``).

    ``time_limit`` is per email: :func:`enqueue_delivery` multiplies it by the batch size.
    """
    deliver_batch(email_ids)


def hand_to_scheduler(email_ids: list[int]) -> None:
    """Let the scheduler's next pass enqueue these queued emails."""
    OutboundEmail.update(lease_until=None).where(
        OutboundEmail.id.in_(email_ids) & (OutboundEmail.status == "queued")
    ).execute()


@contextmanager
def transaction() -> Iterator[list[int]]:
    """Run a domain change and its emails atomically, then enqueue their delivery.

    Inside another ``transaction`` it is a savepoint; inside :func:`collecting` alone it is
    a transaction of its own, and the collecting block enqueues the emails at its end.
    """
    outer = _pending.get()
    if outer is not None:
        with db.atomic() if db.in_transaction() else write_transaction():
            yield outer
        return
    with collecting() as pending, write_transaction():
        yield pending


@contextmanager
def collecting() -> Iterator[list[int]]:
    """Gather the emails queued inside the block (in any number of transactions); enqueue
    their delivery once it ends without an error.

    Each row carries a lease meanwhile, so if the block fails after some transactions
    committed, the scheduler enqueues their emails once it runs out.
    """
    outer = _pending.get()
    if outer is not None:
        yield outer
        return
    pending: list[int] = []
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)
    enqueue_delivery(pending)
