"""Read bounces: RFC 3464 delivery reports, feedback reports and the common free-text kinds."""

from __future__ import annotations

import re
from email.message import Message
from email.parser import Parser
from email.policy import compat32

from workers import settings as settings_mod
from workers.outbound.tokens import parse_bounce_address
from workers.reading.bounce_library import from_library
from workers.reading.bounce_text import (
    from_ses,
    from_text,
    looks_like_text_bounce,
    ses_notification,
)
from workers.reading.dsn import (
    ADDRESS_RE,
    STATUS_TYPES,
    BounceInfo,
    address_in,
    field_blocks,
    from_dsn,
    is_hard,
    part_text,
)
from workers.reading.message import ParsedMessage

__all__ = ["BounceInfo", "is_bounce", "is_hard", "parse_bounce", "parse_bounces", "report_type"]

#: Report types of ``multipart/report`` messages that are bounces (RFC 3464, RFC 6533, RFC 5965).
REPORT_TYPES = ("delivery-status", "global-delivery-status", "feedback-report")

#: Subjects of the older, non-standard abuse complaints.
COMPLAINT_SUBJECT_RE = re.compile(r"^(complaint about message from|abuse report\b)", re.I)

#: The header Apple Mail sets on the message it sends when a person taps "Unsubscribe".
UNSUBSCRIBE_HEADER = "X-Apple-Unsubscribe"

#: The rules ``mail-parse`` names for complaints.
FEEDBACK_RULE = "RFC 5965 feedback report"
UNSUBSCRIBE_RULE = "unsubscribe request"

#: Headers a receiving server copies the envelope recipient into.
ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")


def report_type(msg: ParsedMessage) -> str:
    """Return the ``report-type`` of a ``multipart/report`` message, or ""."""
    if msg.part_types[0] != "multipart/report":
        return ""
    return str(msg.headers.get_param("report-type") or "").strip().lower()


def is_bounce(msg: ParsedMessage) -> bool:
    """Tell whether a message is a delivery or feedback report rather than a person's mail."""
    if report_type(msg) in REPORT_TYPES or _is_complaint(msg):
        return True
    if any(kind in STATUS_TYPES for kind in msg.part_types) or ses_notification(msg):
        return True
    return looks_like_text_bounce(msg)


def _is_complaint(msg: ParsedMessage) -> bool:
    """A feedback report, standard (RFC 5965) or in the older form some providers still send."""
    if "message/feedback-report" in msg.part_types:
        return True
    if _is_unsubscribe(msg):
        return True
    return bool(COMPLAINT_SUBJECT_RE.match(msg.subject.strip())) and bool(
        _original_header(msg, "From")
    )


def parse_bounces(msg: ParsedMessage, *, secret: str | None = None, rcpts=()) -> list[BounceInfo]:
    """Return one BounceInfo per recipient a bounce reports on (empty if it names none)."""
    if report_type(msg) == "feedback-report" or _is_complaint(msg):
        infos = [_feedback(msg)]
    else:
        infos = from_ses(msg) or from_dsn(msg) or from_text(msg)
        if not any(info.recipient for info in infos):
            infos = from_library(msg, infos) or infos
    original = _original_message_id(msg)
    verp = _verp_id(msg, secret, rcpts)
    for info in infos:
        info.original_message_id = info.original_message_id or original
        info.verp_email_id = verp
    return [
        i
        for i in infos
        if i.recipient or i.status or i.action == "complaint" or i.verp_email_id is not None
    ]


def parse_bounce(msg: ParsedMessage, *, secret: str | None = None, rcpts=()) -> BounceInfo | None:
    """Return what a bounce says, preferring a failed recipient; None when it says nothing."""
    infos = parse_bounces(msg, secret=secret, rcpts=rcpts)
    failed = [i for i in infos if i.action == "failed"]
    return (failed or infos or [None])[0]


def _is_unsubscribe(msg: ParsedMessage) -> bool:
    """A mail client's automatic unsubscribe request: the sender asks for no more mail."""
    return str(msg.header(UNSUBSCRIBE_HEADER) or "").strip().lower() == "true"


def _feedback(msg: ParsedMessage) -> BounceInfo:
    """Read an abuse/feedback report (RFC 5965): the complaint is about the original mail."""
    if _is_unsubscribe(msg) and report_type(msg) != "feedback-report":
        sender = address_in(msg.sender or "")
        return BounceInfo(sender, "", "complaint", False, "opt-out", rule=UNSUBSCRIBE_RULE)
    fields: dict[str, str] = {}
    for part in msg.headers.walk():
        if part.get_content_type() == "message/feedback-report":
            for block in field_blocks(part_text(part)):
                fields.update(block)
    recipient = fields.get("original-rcpt-to") or fields.get("removal-recipient", "")
    if not recipient:
        recipient = _original_header(msg, "To")
    kind = fields.get("feedback-type", "abuse").strip().lower()
    return BounceInfo(address_in(recipient), "", "complaint", False, kind, rule=FEEDBACK_RULE)


def _original_header(msg: ParsedMessage, name: str) -> str:
    """Return a header of the returned original message, when the bounce includes it."""
    for part in msg.headers.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global") and part.is_multipart():
            inner = part.get_payload(0)
            if isinstance(inner, Message) and inner.get(name):
                return str(inner.get(name))
        elif ctype in ("text/rfc822-headers", "message/rfc822-headers"):
            headers = Parser(policy=compat32).parsestr(part_text(part), headersonly=True)
            if headers.get(name):
                return str(headers.get(name))
    return ""


def _original_message_id(msg: ParsedMessage) -> str:
    found = _original_header(msg, "Message-ID")
    if not found:
        text = msg.text or ""
        match = re.search(r"^Message-I[Dd]:\s*(<[^>\s]+>)", text, re.M)
        found = match.group(1) if match else ""
    return " ".join(found.split())


def _verp_id(msg: ParsedMessage, secret: str | tuple[str, ...] | None, rcpts) -> int | None:
    """Return the outbound email id a VERP return path names, when it is ours and signed."""
    secret = secret if secret is not None else settings_mod.get().verification_keys
    candidates = list(rcpts)
    for name in ENVELOPE_HEADERS:
        candidates += [str(v) for v in msg.headers.get_all(name, [])]
    for value in candidates:
        for address in ADDRESS_RE.findall(value):
            email_id = parse_bounce_address(secret, address)
            if email_id is not None:
                return email_id
    return None
