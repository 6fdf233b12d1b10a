"""Inbound mail: store the raw bytes first, then read and apply them in an actor."""

from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from functools import lru_cache

import dramatiq
from peewee import IntegrityError, InterfaceError, OperationalError

from models import InboundMessage, InboundRaw, clock, db
from workers.plainsql import insert_row, rows_where
from workers.sqlite_lock import write_lock

logger = logging.getLogger(__name__)

#: How long a message being processed belongs to one worker.
LEASE = dt.timedelta(minutes=5)

#: Statuses a claim may take (``Claim``: one processing only once its lease ran out).
CLAIMABLE = ("received", "processing")

#: Most messages one batch actor message may name.
MAX_BATCH = 100

#: Columns a claim loads for the pipeline (all but the parsed cache and the bookkeeping);
#: the bytes come with them.
CLAIMED_COLUMNS = (
    "id", "message_id", "channel", "mail_from", "rcpt_to", "sender", "subject",
    "status", "kind", "reason", "detail", "reply_text", "person", "object_type",
    "object_id", "in_reply_to", "attempts",
)  # fmt: skip


#: Header fields of which a message must have at least one to be taken as mail.
MAIL_HEADERS = ("from", "to", "subject", "message-id", "date", "received", "return-path")

#: A header field line: a name of printable characters, then a colon (RFC 5322 2.2).
FIELD_RE = re.compile(rb"^[!-9;-~]+[ \t]*:")


class NotMailError(ValueError):
    """The bytes given as a message are empty or do not start with mail headers."""


def looks_like_mail(raw: bytes) -> bool:
    """Tell whether ``raw`` starts with header fields, one of them a usual mail header."""
    stripped = raw.lstrip(b"\r\n")
    if not stripped.strip() or not FIELD_RE.match(stripped):
        return False
    names = {k.lower() for k in _headers(stripped).keys()}
    return bool(names.intersection(MAIL_HEADERS))


def header_end(raw: bytes) -> tuple[int, int] | None:
    """Return where the empty line that ends ``raw``'s header starts and where the body
    starts (CRLF or bare LF line endings), or None when there is no such line."""
    crlf = raw.find(b"\n\r\n")
    lf = raw.find(b"\n\n", 0, crlf + 2 if crlf >= 0 else len(raw))
    first = lf if lf >= 0 else crlf
    if first < 0:
        return None
    start = first - 1 if first and raw[first - 1] == ord("\r") else first
    return start, first + (2 if first == lf else 3)


def _headers(raw: bytes):
    """Parse the header fields of ``raw`` (only its header block is read)."""
    end = header_end(raw)
    block = raw[: end[1]] if end else raw
    return BytesHeaderParser(policy=email.policy.compat32).parsebytes(block)


def first_fields(raw: bytes, names: tuple[str, ...]) -> dict[str, str]:
    """Return the first value of each named header field of ``raw``, unfolded, by lower name.

    Storing needs only the Message-ID and the Subject: finding two fields this way costs a
    fraction of the email package's parser, or of reading the header line by line. Values
    are read as UTF-8 (legacy bytes replaced).
    """
    end = header_end(raw)
    block = raw[: end[0]] if end else raw
    lines = b"\n" + block.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lowered = lines.lower()  # ASCII only, so offsets stay the same
    found: dict[str, str] = {}
    for name in dict.fromkeys(name.lower() for name in names):
        value = _first_field(lines, lowered, b"\n" + name.encode("ascii"))
        if value is not None:
            found[name] = value.replace(b"\n", b" ").decode("utf-8", "replace")
    return found


def _first_field(lines: bytes, lowered: bytes, key: bytes) -> bytes | None:
    """Return the value of the first field line starting with ``key`` (a newline and a
    lower-case name), its folded lines included; None when there is none."""
    at = lowered.find(key)
    while at >= 0:
        colon = at + len(key)
        while lowered[colon : colon + 1] in (b" ", b"\t"):
            colon += 1
        if lowered[colon : colon + 1] == b":":
            end = lines.find(b"\n", colon)
            while end >= 0 and lines[end + 1 : end + 2] in (b" ", b"\t"):  # folded
                end = lines.find(b"\n", end + 1)
            return lines[colon + 1 : end if end >= 0 else len(lines)]
        at = lowered.find(key, at + 1)
    return None


def _header(fields: dict[str, str], name: str, limit: int) -> str:
    text = " ".join((fields.get(name.lower()) or "").split())
    return text.replace("\x00", "")[:limit]


def store_raw(
    raw: bytes, channel: str, mail_from: str = "", rcpt_to: list[str] | None = None
) -> tuple[InboundMessage, bool]:
    """Save a raw message unless it is already stored; return the row and whether it is new.

    A known content hash or Message-ID means it is stored already; the row returned then
    carries only its id and status, the columns the ways in need.
    """
    return store_many([Arrival(raw, channel, mail_from, rcpt_to or [])])[0]


@dataclass
class Arrival:
    """A raw message as it came in, with its envelope."""

    raw: bytes
    channel: str
    mail_from: str = ""
    rcpt_to: list[str] = field(default_factory=list)


def store_many(arrivals: list[Arrival]) -> list[tuple[InboundMessage, bool]]:
    """Save every message not stored yet, in one transaction; return (row, new) for each.

    A message whose content hash or Message-ID is stored already, or came earlier in the
    same list, is not saved again: its row (id and status only) is returned as not new.
    """
    fields = [_fields(arrival) for arrival in arrivals]
    known = _stored([f["sha256"] for f in fields], [f["message_id"] for f in fields])
    results: list[tuple[InboundMessage, bool]] = []
    new: list[InboundMessage] = []
    for values in fields:
        found = _match(known, values)
        if found is not None:  # stored before, or new earlier in this list (its id comes below)
            results.append((found, False))
            continue
        row = InboundMessage(status="received", **values)
        known[("sha256", values["sha256"])] = row
        if values["message_id"]:
            known[("message_id", values["message_id"])] = row
        results.append((row, True))
        new.append(row)
    if new:
        try:
            with write_lock(), db.atomic():
                for row in new:
                    row.id = insert_row(InboundMessage, dict(row.__data__))
                    insert_row(InboundRaw, {"message": row.id, "raw": row.raw}, returning=False)
        except IntegrityError:  # stored meanwhile by another way in: look each one up again
            if len(arrivals) > 1:
                return [store_many([arrival])[0] for arrival in arrivals]
            found = _stored_row(fields[0])
            if found is None:  # not a duplicate after all: the caller hears the error
                raise
            return [(found, False)]
    return results


def _fields(arrival: Arrival) -> dict:
    headers = first_fields(arrival.raw, ("Message-ID", "Subject"))
    return {
        "raw": arrival.raw,
        "sha256": hashlib.sha256(arrival.raw).hexdigest(),
        "message_id": _header(headers, "Message-ID", 250),
        "channel": arrival.channel,
        "mail_from": _clean(arrival.mail_from, 250),
        "rcpt_to": _clean(",".join(arrival.rcpt_to), 2000),
        "subject": _header(headers, "Subject", 500),
    }


def _stored(digests: list[str], message_ids: list[str]) -> dict[tuple[str, str], InboundMessage]:
    """Return the stored rows (id and status) with these hashes or Message-IDs, by both keys."""
    found: dict[tuple[str, str], InboundMessage] = {}
    for column, values in (("sha256", digests), ("message_id", message_ids)):
        wanted = sorted({v for v in values if v})
        columns = ("id", "status", column)
        for row in rows_where(InboundMessage, columns, column, wanted) if wanted else []:
            found[(column, getattr(row, column))] = row
    return found


def _match(known: dict, values: dict) -> InboundMessage | None:
    found = known.get(("sha256", values["sha256"]))
    if found is None and values["message_id"]:
        found = known.get(("message_id", values["message_id"]))
    return found


def _stored_row(values: dict) -> InboundMessage | None:
    return _match(_stored([values["sha256"]], [values["message_id"]]), values)


def _clean(text: str, limit: int) -> str:
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:limit]


def enqueue(row: InboundMessage) -> bool:
    """Ask a worker to process a stored message; the scheduler retries if the broker is away."""
    if row.status != "received":
        return False
    return enqueue_many([row.id])


def enqueue_many(message_ids: list[int]) -> bool:
    """Ask a worker to process stored messages together; the scheduler retries on failure."""
    if not message_ids:
        return False
    try:
        if len(message_ids) == 1:
            process_inbound.send(message_ids[0])
        else:
            process_inbound_batch.send(list(message_ids))
    except Exception:  # any broker failure: the rows are safe, the scheduler will find them
        logger.warning("could not enqueue inbound messages %s; the scheduler will", message_ids)
        return False
    return True


def receive(
    raw: bytes, channel: str, mail_from: str = "", rcpt_to: list[str] | None = None
) -> tuple[InboundMessage, bool]:
    """Store a message (the one step that must succeed), then enqueue it for processing."""
    row, new = store_raw(raw, channel, mail_from, rcpt_to)
    enqueue(row)
    return row, new


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
            *self.ids,
            received,
            processing,
            InboundMessage.lease_until.db_value(now),
        ]
        cursor = db.execute_sql(_claim_sql(len(self.ids), db.obj.param), params)
        return [row_id for (row_id,) in cursor.fetchall()]


@lru_cache(maxsize=256)
def _claim_sql(count: int, mark: str) -> str:
    """The claim of ``count`` messages: the ones received, or whose lease ran out.

    Written once per batch size; peewee would build the same statement for every batch, at
    twice the cost of running it.
    """
    ids = ", ".join([mark] * count)
    return (
        f'UPDATE "inbound_message" SET "status" = {mark}, "lease_until" = {mark},'
        f' "attempts" = "attempts" + 1 WHERE "id" IN ({ids}) AND ("status" = {mark}'
        f' OR ("status" = {mark} AND "lease_until" < {mark})) RETURNING "id"'
    )


def process(message_id: int) -> str:
    """Read one stored message and apply it; returns its final status."""
    return process_many([message_id]).get(message_id, "skipped")


def process_many(message_ids: list[int]) -> dict[int, str]:
    """Claim the free messages among ``message_ids`` and apply them; return id -> status.

    The messages are read one by one and applied in a few transactions (see
    ``workers.pipeline.handle_many``); when the write lock is taken, the claim waits while
    they are read (see ``Claim``). If the database fails, every message claimed is handed
    back before the error is raised, so a retry takes them. Messages still unread when half
    the lease has gone are handed back too: once it runs out, another worker may take them.
    """
    from workers.pipeline import handle_many

    claim = Claim(message_ids)
    if claim.attempt():
        rows = load(claim.taken)
    else:  # read the ones the claim may take while it waits
        rows = load(claim.ids, CLAIMABLE)
    try:
        statuses = handle_many(rows, give_back_at=clock.now() + LEASE / 2, claim=claim)
    except BaseException:  # a database error, or the actor's time limit: hand them all back
        release(sorted(claim.taken or ()))
        raise
    late = [row_id for row_id in sorted(claim.taken or ()) if row_id not in statuses]
    if late:
        release(late)
        enqueue_many(late)
    return statuses


def release(message_ids: int | list[int]) -> None:
    """Hand claimed messages back after a failure, so a retry can take them at once."""
    ids = [message_ids] if isinstance(message_ids, int) else list(message_ids)
    if not ids:
        return
    try:
        with write_lock():
            InboundMessage.update(status="received", lease_until=None).where(
                InboundMessage.id.in_(ids) & (InboundMessage.status == "processing")
            ).execute()
    except (OperationalError, InterfaceError):
        logger.warning("could not release inbound messages %s; their leases will expire", ids)


@dramatiq.actor(queue_name="inbound", max_retries=3, time_limit=120_000)
def process_inbound(message_id: int) -> None:
    """Process one stored inbound message."""
    process_many([message_id])


@dramatiq.actor(queue_name="inbound", max_retries=3, time_limit=240_000)
def process_inbound_batch(message_ids: list[int]) -> None:
    """Process several stored inbound messages (the listener sends them in small batches)."""
    process_many([int(i) for i in message_ids][:MAX_BATCH])
