"""Parse raw inbound mail into what Tandem reads: sender, threading, text, HTML, attachments."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parseaddr
from functools import cached_property

from workers.reading.charsets import decode_bytes, decode_header_value, raw_header, unflow
from workers.reading.htmltext import html_to_text

#: Blank lines before the first header field.
LEADING_BLANK_LINES_RE = re.compile(rb"\A(?:[ \t]*\r?\n)+")

#: Message-IDs inside In-Reply-To and References.
MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")

#: Content types that carry an iCalendar object, inline or attached.
CALENDAR_TYPES = {"text/calendar", "application/ics", "text/x-vcalendar", "application/x-ics"}

#: Header fields of a MIME part itself (the rest of a broken part's header may be iCalendar).
MIME_FIELD_RE = re.compile(r"(?i)content-|mime-version$")

#: The start of a bare iCalendar object given instead of a message.
BARE_CALENDAR_RE = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*BEGIN:VCALENDAR", re.IGNORECASE)

#: Deepest MIME nesting followed (deeper parts are ignored, with a defect).
MAX_DEPTH = 30


class MessageError(Exception):
    """Base class for errors reading an inbound message."""


class UnreadableMessage(MessageError):
    """The bytes hold nothing that can be read as an email message."""


@dataclass
class Attachment:
    """A file attached to a message."""

    filename: str
    content_type: str
    size: int
    data: bytes


@dataclass
class ParsedMessage:
    """What Tandem reads from one message; `headers` is parsed with the compat32 policy."""

    sender: str
    sender_name: str
    subject: str
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    to: list[str]
    cc: list[str]
    headers: Message
    text: str = ""
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    calendar_parts: list[tuple[str, str]] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    @cached_property
    def header_names(self) -> frozenset[str]:
        """The lower-case names of the message's own header fields."""
        return frozenset(name.lower() for name in self.headers.keys())

    @cached_property
    def part_types(self) -> tuple[str, ...]:
        """The content type of every MIME part, the message itself first (``walk`` order).

        Classifying asks many times which types a message holds; each ``get_content_type``
        scans and parses the part's header again.
        """
        return tuple(part.get_content_type() for part in self.headers.walk())

    def header(self, name: str) -> str | None:
        """The first value of a header field, as ``headers.get`` gives it; None when absent.

        An absent field (most that classifying asks for) is known without scanning the header.
        """
        return self.headers.get(name) if name.lower() in self.header_names else None


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw message bytes; raise UnreadableMessage only when nothing is usable."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    if not raw or not raw.strip():
        raise UnreadableMessage("empty message")
    # Some tools save a message with blank lines before its header; they would end the header.
    raw = LEADING_BLANK_LINES_RE.sub(b"", raw, count=1)
    if BARE_CALENDAR_RE.match(raw):
        return _bare_calendar(raw)
    try:
        msg = email.message_from_bytes(bytes(raw), policy=compat32)
    except Exception as exc:  # the stdlib parser is lenient; anything escaping it is garbage
        raise UnreadableMessage(f"cannot parse: {exc.__class__.__name__}") from exc
    if not msg.keys():
        raise UnreadableMessage("no header fields")
    parsed = _envelope(msg)
    _collect_parts(msg, parsed, depth=0)
    if not parsed.text.strip() and parsed.html:
        parsed.text = html_to_text(parsed.html)
    return parsed


def _bare_calendar(raw: bytes) -> ParsedMessage:
    """Read an iCalendar object handed over on its own (an .ics file): no header, one part."""
    parsed = _envelope(Message())
    parsed.calendar_parts.append(("", decode_bytes(raw)))
    return parsed


def _envelope(msg: Message) -> ParsedMessage:
    """Read the addressing and threading headers."""
    name, address = _sender(msg.get("From"))
    return ParsedMessage(
        sender=address.strip().lower() if "@" in address else "",
        sender_name=decode_header_value(name).strip(),
        subject=decode_header_value(msg.get("Subject")),
        message_id=next(iter(_ids(msg.get("Message-ID"))), ""),
        in_reply_to=_ids(msg.get("In-Reply-To")),
        references=_ids(msg.get("References")),
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        headers=msg,
    )


def _sender(value: object) -> tuple[str, str]:
    """Split the From field into name and address.

    Addresses are split before decoding (an encoded comma stays in the name), unless the
    address itself sits inside an encoded word, as some mailers write the whole field.
    """
    name, address = parseaddr(raw_header(value))
    if "@" not in address or "=?" in name:
        decoded_name, decoded = parseaddr(decode_header_value(value))
        if "@" in decoded:
            return decoded_name, decoded
    return name, address


def _ids(value: object) -> list[str]:
    """Return the <message-ids> found in a header value."""
    return MESSAGE_ID_RE.findall(decode_header_value(value)) if value is not None else []


def _addresses(msg: Message, name: str) -> list[str]:
    """Return the lower-case addresses of every header with this name."""
    # Split addresses before decoding, so an encoded comma in a name stays in the name.
    values = [raw_header(v) for v in msg.get_all(name, [])]
    return [addr.lower() for _, addr in getaddresses(values) if "@" in addr]


def _collect_parts(part: Message, parsed: ParsedMessage, depth: int) -> None:
    """Walk the MIME tree, filling text, HTML, attachments and calendar parts."""
    parsed.defects.extend(type(d).__name__ for d in getattr(part, "defects", []))
    if depth > MAX_DEPTH:
        parsed.defects.append("NestingTooDeep")
        return
    ctype = part.get_content_type()
    if part.is_multipart() and ctype != "message/rfc822":
        _collect_children(part, parsed, depth)
    elif ctype == "message/rfc822":
        _add_attachment(part, parsed, _rfc822_bytes(part))
    elif ctype.startswith("multipart/"):
        # The boundary never appeared: the body is all there is, read it as text.
        _collect_leaf(part, "text/plain", parsed)
    else:
        _collect_leaf(part, ctype, parsed)


def _collect_children(part: Message, parsed: ParsedMessage, depth: int) -> None:
    """Walk a multipart's children; of alternatives, only the first plain text counts."""
    alternative = part.get_content_type() == "multipart/alternative"
    for child in part.get_payload() or []:
        if not isinstance(child, Message):
            continue
        before = parsed.text
        _collect_parts(child, parsed, depth + 1)
        if alternative and before.strip() and parsed.text != before:
            parsed.text = before


def _collect_leaf(part: Message, ctype: str, parsed: ParsedMessage) -> None:
    """File one non-multipart part where it belongs."""
    data = _payload(part, parsed)
    filename = decode_header_value(part.get_filename()) if part.get_filename() else ""
    attached = filename or part.get_content_disposition() == "attachment"
    calendar = _calendar_text(part, ctype, filename, data)
    if calendar is not None:
        method = str(part.get_param("method") or "").upper()
        parsed.calendar_parts.append((method, calendar))
    if attached:
        _add_attachment(part, parsed, data, filename)
    elif ctype == "text/plain":
        parsed.text = _join(parsed.text, _plain_text(part, data))
    elif ctype == "text/html" and parsed.html is None:
        parsed.html = decode_bytes(data, part.get_content_charset())
    elif ctype not in CALENDAR_TYPES and not ctype.startswith("text/"):
        _add_attachment(part, parsed, data, filename)


def _calendar_text(part: Message, ctype: str, filename: str, data: bytes) -> str | None:
    """The iCalendar text a part carries, however it arrives; None when it carries none.

    A calendar type or an .ics name says so; a text part may be an iCalendar object with
    no type of its own; a broken part may hold the object in its header lines, with the
    part's own MIME fields after it (the parser then reads the object as header fields).
    """
    broken = str(part.get("BEGIN", "")).strip().upper() == "VCALENDAR"
    typed = ctype in CALENDAR_TYPES or filename.lower().endswith((".ics", ".vcs"))
    bare = ctype.startswith("text/") and BARE_CALENDAR_RE.match(data[:64]) is not None
    if not (broken or typed or bare):
        return None  # most parts: decided without decoding them a second time
    text = decode_bytes(data, part.get_content_charset())
    if broken:
        fields = [f"{k}:{str(v).strip()}" for k, v in part.items() if not MIME_FIELD_RE.match(k)]
        return "\r\n".join([*fields, text])
    return text


def _plain_text(part: Message, data: bytes) -> str:
    """Decode a text/plain part, undoing format=flowed line breaks."""
    text = decode_bytes(data, part.get_content_charset()).replace("\r\n", "\n")
    if str(part.get_param("format") or "").lower() == "flowed":
        text = unflow(text, str(part.get_param("delsp") or "").lower() == "yes")
    return text


def _join(existing: str, more: str) -> str:
    """Append the text of another inline part (clients split bodies around images)."""
    return f"{existing}\n{more}" if existing.strip() else more


def _payload(part: Message, parsed: ParsedMessage) -> bytes:
    """Return a part's decoded bytes (base64/quoted-printable undone), never raising."""
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # malformed transfer encodings come in many shapes
        parsed.defects.append(f"PayloadError:{exc.__class__.__name__}")
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _rfc822_bytes(part: Message) -> bytes:
    """Return the bytes of an attached message."""
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else part
    try:
        return inner.as_bytes()
    except Exception:  # an attached message that cannot be re-serialised is still kept empty
        return b""


def _add_attachment(part: Message, parsed: ParsedMessage, data: bytes, filename: str = "") -> None:
    """Record an attachment."""
    ctype = part.get_content_type()
    parsed.attachments.append(Attachment(filename or "", ctype, len(data), data))
