"""Store inbound mail: the raw bytes first, de-duplicated by Message-ID and digest."""

from __future__ import annotations

import email.policy
import hashlib
import logging
import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser

from peewee import IntegrityError

from models import InboundMessage, InboundRaw, db
from workers.runtime.plainsql import insert_row, rows_where
from workers.runtime.sqlite_lock import write_lock

logger = logging.getLogger(__name__)

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
