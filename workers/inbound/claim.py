"""Claim stored inbound messages for one worker: a lease, taken in one statement per batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from models import InboundMessage, InboundRaw, clock, db
from workers.runtime import heartbeat
from workers.runtime.plainsql import claim_sql, rows_where
from workers.runtime.sqlite_lock import write_lock

#: How long a message being processed belongs to one worker. The claim names the worker's
#: heartbeat too: a worker that dies loses its claims within seconds (the scheduler frees
#: them); the lease only bounds claims made outside a worker, or a worker that hangs.
LEASE = dt.timedelta(minutes=5)

#: Statuses a claim may take (``Claim``: one processing only once its lease ran out).
CLAIMABLE = ("received", "processing")

#: Columns a claim loads for the pipeline (all but the parsed cache and the bookkeeping);
#: the bytes come with them.
CLAIMED_COLUMNS = (
    "id", "message_id", "channel", "mail_from", "rcpt_to", "sender", "subject",
    "status", "kind", "reason", "detail", "reply_text", "person", "object_type",
    "object_id", "in_reply_to", "attempts",
)  # fmt: skip


def claim(message_id: int) -> InboundMessage | None:
    """Take a stored message for processing, or None if done or held by another worker."""
    rows = claim_many([message_id])
    return rows[0] if rows else None


def claim_many(message_ids: list[int]) -> list[InboundMessage]:
    """Take the given stored messages that are free, in one statement; return them loaded.

    A message is free when it was received and not yet claimed, or its claim's lease ran
    out. The rows come back with the columns the pipeline reads, in id order: they are read
    once the claim has committed, so the write lock is not held while the raw bytes load.
    """
    claim = Claim(message_ids)
    claim.attempt(wait=True)
    return load(claim.taken)


def load(
    message_ids: Iterable[int], statuses: tuple[str, ...] | None = None
) -> list[InboundMessage]:
    """Return the stored messages with these ids (and one of ``statuses``, when given), with
    the columns the pipeline reads and their bytes, in id order."""
    ids = sorted(set(message_ids))
    rows = rows_where(InboundMessage, CLAIMED_COLUMNS, "id", ids) if ids else []
    if statuses is not None:
        rows = [row for row in rows if row.status in statuses]
    if not rows:
        return []
    raws = rows_where(InboundRaw, ("message", "raw"), "message", [row.id for row in rows])
    found = {r.message_id: r.raw for r in raws}
    return sorted((row.loaded_with(found.get(row.id, b"")) for row in rows), key=lambda r: r.id)


class Claim:
    """Taking a batch's free messages for one worker (see ``claim_many``), maybe later.

    On SQLite a claim is a write: when another writer holds the lock, ``attempt()`` without
    waiting leaves it for later, so the worker reads the batch's messages meanwhile and only
    waits, if it must, before its own writes. ``taken`` holds the ids claimed, once done.
    """

    def __init__(self, message_ids: Iterable[int]) -> None:
        self.ids = sorted(set(message_ids))
        self.taken: set[int] | None = None if self.ids else set()

    def attempt(self, wait: bool = False) -> bool:
        """Claim now, waiting for the write lock only with ``wait``; tell whether it is done."""
        if self.taken is not None:
            return True
        with write_lock(wait=wait) as free:
            if free:
                self.taken = set(self._claim())
        return self.taken is not None

    def _claim(self) -> list[int]:
        now = clock.now()
        received, processing = CLAIMABLE  # a claim sets the second
        params = [
            processing,
            InboundMessage.lease_until.db_value(now + LEASE),
            heartbeat.holder(),
            *self.ids,
            received,
            processing,
            InboundMessage.lease_until.db_value(now),
        ]
        cursor = db.execute_sql(claim_sql(len(self.ids), db.obj.param), params)
        return [row_id for (row_id,) in cursor.fetchall()]
