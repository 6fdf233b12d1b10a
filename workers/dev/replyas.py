"""Replies from the dev mailbox, composed the way a person's mail or calendar client would."""

from __future__ import annotations

import datetime as dt
import email.policy
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, make_msgid, parseaddr

import html2text
import icalendar

from models import clock

#: Seconds to wait for the inbound SMTP listener before giving up.
SMTP_TIMEOUT = 15

#: iTIP participation states a dev mailbox user can answer with, and the subject prefix of each.
PARTSTATS = {
    "ACCEPTED": "Accepted",
    "DECLINED": "Declined",
    "TENTATIVE": "Tentatively Accepted",
}

#: The PRODID of calendars the dev mailbox writes.
PRODID = "-//Tandem//Dev mailbox//EN"


class DevReplyError(Exception):
    """A dev mailbox reply could not be composed or sent."""


class NoCalendarRequestError(DevReplyError):
    """The mail holds no calendar invitation (METHOD:REQUEST) to answer."""


class ListenerUnavailableError(DevReplyError):
    """The inbound SMTP listener did not take the reply."""


def parse(raw: bytes) -> EmailMessage:
    """Parse raw message bytes into an ``EmailMessage``."""
    return email.message_from_bytes(raw, policy=email.policy.default)


def header(msg: EmailMessage, name: str) -> str:
    """Return a header as text, or "" when it is missing or cannot be read."""
    try:
        value = msg.get(name)
    except (ValueError, IndexError, TypeError):  # malformed headers in untrusted mail
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def text_body(msg: EmailMessage) -> str:
    """Return the message's text: the text/plain body, or its HTML body turned to text."""
    part = msg.get_body(preferencelist=("plain",))
    if part is not None:
        return part_text(part)
    part = msg.get_body(preferencelist=("html",))
    if part is not None:
        converter = html2text.HTML2Text()
        converter.body_width = 0
        return converter.handle(part_text(part))
    return ""


def part_text(part: EmailMessage) -> str:
    """Return a text part decoded, replacing what its charset cannot decode."""
    try:
        return part.get_content()
    except (LookupError, UnicodeError, ValueError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace")


def addresses(msg: EmailMessage, *names: str) -> list[str]:
    """Return the email addresses in the given headers, in order, without repeats."""
    found: list[str] = []
    for name in names:
        for _, addr in getaddresses([header(msg, name)]):
            if "@" in addr and addr.lower() not in (a.lower() for a in found):
                found.append(addr)
    return found


def reply_target(msg: EmailMessage) -> str:
    """Return where a reply goes: the Reply-To address, else the From address."""
    targets = addresses(msg, "Reply-To") or addresses(msg, "From")
    if not targets:
        raise DevReplyError("the mail has neither Reply-To nor From to reply to")
    return targets[0]


def reply_subject(subject: str) -> str:
    """Prefix "Re: " unless the subject already is a reply."""
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def quote(msg: EmailMessage) -> str:
    """Return the attribution line and the original text quoted with "> "."""
    sender = header(msg, "From") or "someone"
    try:
        date = msg["Date"].datetime if msg["Date"] else None
    except (AttributeError, TypeError, ValueError):
        date = None
    when = f"On {date:%a, %d %b %Y at %H:%M}, " if date else ""
    lines = text_body(msg).rstrip().splitlines() or [""]
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    return f"{when}{sender} wrote:\n{quoted}\n"


def display_name(msg: EmailMessage, address: str) -> str:
    """Return the name ``msg`` gives ``address`` in its To or Cc header, or ""."""
    for name, addr in getaddresses([header(msg, "To"), header(msg, "Cc")]):
        if addr.lower() == address.lower():
            return name
    return ""


def _base_reply(original: EmailMessage, sender: str, to: str, subject: str) -> EmailMessage:
    reply = EmailMessage()
    reply["From"] = formataddr((display_name(original, sender), sender))
    reply["To"] = to
    reply["Subject"] = subject
    reply["Date"] = format_datetime(clock.now().replace(tzinfo=dt.UTC))
    reply["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    original_id = header(original, "Message-ID")
    if original_id:
        references = header(original, "References")
        reply["In-Reply-To"] = original_id
        reply["References"] = f"{references} {original_id}".strip()
    return reply


def compose_reply(original: EmailMessage, sender: str, body: str) -> EmailMessage:
    """Build a plain-text reply from ``sender`` quoting ``original`` below the typed text."""
    reply = _base_reply(
        original, sender, reply_target(original), reply_subject(header(original, "Subject"))
    )
    text = body.replace("\r\n", "\n").rstrip()
    reply.set_content(f"{text}\n\n{quote(original)}")
    return reply


def calendar_request(msg: EmailMessage) -> icalendar.Calendar | None:
    """Return the first METHOD:REQUEST calendar in the message, or None."""
    for part in msg.walk():
        if part.get_content_type() != "text/calendar":
            continue
        try:
            cal = icalendar.Calendar.from_ical(part_text(part))
        except (ValueError, KeyError, IndexError):  # not a calendar we can read
            continue
        if str(cal.get("METHOD", "")).upper() == "REQUEST" and cal.walk("VEVENT"):
            return cal
    return None


def _reply_event(event: icalendar.Event, sender: str, partstat: str) -> icalendar.Event:
    """Return the VEVENT a calendar client sends back for ``event``."""
    reply = icalendar.Event()
    for name in ("UID", "RECURRENCE-ID", "DTSTART", "DTEND", "SUMMARY", "ORGANIZER"):
        if name in event:
            reply[name] = event[name]
    reply["SEQUENCE"] = _sequence(event)
    reply.add("DTSTAMP", clock.now().replace(tzinfo=dt.UTC))
    attendee = icalendar.vCalAddress(f"mailto:{sender}")
    for existing in _attendees(event):
        if str(existing).lower().removeprefix("mailto:") == sender.lower():
            if "CN" in existing.params:
                attendee.params["CN"] = existing.params["CN"]
    attendee.params["PARTSTAT"] = partstat
    reply.add("ATTENDEE", attendee)
    return reply


def _sequence(event: icalendar.Event) -> int:
    try:
        return int(event.get("SEQUENCE", 0))
    except (TypeError, ValueError):  # a SEQUENCE that is not a number counts as none
        return 0


def _attendees(event: icalendar.Event) -> list:
    value = event.get("ATTENDEE", [])
    return value if isinstance(value, list) else [value]


def compose_rsvp(original: EmailMessage, sender: str, partstat: str) -> EmailMessage:
    """Build the iTIP METHOD:REPLY a calendar client sends when ``sender`` answers an invite."""
    partstat = partstat.upper()
    if partstat not in PARTSTATS:
        raise DevReplyError(f"unknown answer {partstat!r}")
    request = calendar_request(original)
    if request is None:
        raise NoCalendarRequestError("this mail holds no calendar invitation")
    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("METHOD", "REPLY")
    for timezone in request.walk("VTIMEZONE"):
        cal.add_component(timezone)
    events = [_reply_event(e, sender, partstat) for e in request.walk("VEVENT")]
    for event in events:
        cal.add_component(event)
    organizer = str(events[0].get("ORGANIZER", "")).removeprefix("mailto:").removeprefix("MAILTO:")
    to = organizer if "@" in organizer else reply_target(original)
    summary = str(events[0].get("SUMMARY", "")) or header(original, "Subject")
    reply = _base_reply(original, sender, to, f"{PARTSTATS[partstat]}: {summary}")
    verb = PARTSTATS[partstat].lower()
    reply.set_content(f"{sender} has {verb} this invitation.\n")
    reply.add_alternative(cal.to_ical().decode(), subtype="calendar", params={"method": "REPLY"})
    return reply


def send(msg: EmailMessage, host: str, port: int) -> None:
    """Hand ``msg`` to the SMTP server at ``host:port`` as its From address, for its To."""
    sender = parseaddr(header(msg, "From"))[1]
    rcpts = addresses(msg, "To", "Cc")
    data = msg.as_bytes(policy=email.policy.SMTP)
    try:
        with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT) as conn:
            conn.sendmail(sender, rcpts, data)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = "; ".join(
            f"{a}: {c} {m.decode(errors='replace')}" for a, (c, m) in exc.recipients.items()
        )
        raise ListenerUnavailableError(f"the listener refused the recipient ({codes})") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ListenerUnavailableError(f"could not deliver to {host}:{port}: {exc}") from exc
