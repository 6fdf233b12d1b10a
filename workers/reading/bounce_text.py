"""Bounces that are not RFC 3464 reports: free-text ones (qmail, Exim, Exchange...) and SES."""

from __future__ import annotations

import json
import re

from workers.reading.dsn import (
    ADDRESS_RE,
    PHRASE_STATUS,
    SMTP_CODE_RE,
    STATUS_RE,
    BounceInfo,
    action_for,
    address_in,
    is_hard,
    status_from_text,
)
from workers.reading.message import ParsedMessage

#: Local parts of the addresses mail servers send bounces from.
DAEMON_RE = re.compile(
    r"^(mailer[-_]?daemon|mail[-_]?daemon|post[-_]?master|mdaemon|mail[-_.]?delivery"
    r"|returned[-_.]?mail|bounces?|microsoftexchange[0-9a-f]{32})(?:[@+]|$)",
    re.I,
)

#: Administrative addresses of list servers (fml, Majordomo, Mailman), which return errors.
LIST_ADMIN_RE = re.compile(r"^(owner-[^@]+|[^@]+-(admin|ctl|owner|request|bounces))@", re.I)

#: Header fields list servers mark their own messages with.
LIST_SERVER_HEADERS = ("X-MLServer", "X-ML-Server", "X-Mailman-Version", "X-Ecartis-Version")

#: Display names mail servers sign bounces with.
DAEMON_NAME_RE = re.compile(r"mail(er)?[ -]?(delivery|daemon)|postmaster|mail administrator", re.I)

#: Subjects of non-delivery reports in the wild (replies to them start with "Re:").
SUBJECT_RE = re.compile(
    r"undeliver|undelivered|not (be )?delivered|delivery (status|failure|has failed|problem|notif)"
    r"|mail delivery failed|failure notice|returned mail|returning message|delivery failed"
    r"|could not (be )?deliver|error sending your mail|mail system error|non[- ]?remis"
    r"|unzustellbar|nicht zustellbar|no se pudo entregar|non recapitato|onbestelbaar"
    r"|не доставлено|配信エラー|delivery status|mail failure|warning: could not send"
    r"|erreur de distribution|non distribuable|[ée]chec de (la )?(remise|distribution)"
    r"|message non remis|not member article|loop alert|rejected|could not be posted",
    re.I,
)

#: A reply prefix: a person answering a bounce is not a bounce.
REPLY_PREFIX_RE = re.compile(r"^(re|aw|sv|antw|rif|r|vs|odp|fwd?|wg|tr)\s*:", re.I)

#: What a free-text bounce says when it explains a failure or delay.
FAILURE_RE = re.compile(
    r"could ?n[o']t (be )?deliver|undeliverable|delivery (to the following recipients? )?"
    r"(has )?failed|permanent (fatal )?error|was not delivered|not (yet )?been delivered"
    r"|delay reason|delivery attempts will continue"
    r"|unable to deliver|failed to deliver|returned to sender|no such user|user unknown"
    r"|unknown user|mailbox (is )?(full|unavailable)|invalid (user|recipient|address)"
    r"|address_in(\(es\))? failed|wasn't able to deliver|delivery (is|has been) delayed"
    r"|will retry|requested action not taken|delivery failure|message could not"
    r"|transcript of session follows|remote server returned|couldn't be delivered"
    r"|could not be reached|did not reach|may not exist|not have permission to post"
    r"|not (a )?member of|not allowed to post|duplicated message-id|(mail )?loop (alert|detected)"
    r"|n'a pas (pu )?(ê|e)tre (remis|distribu|d(é|e)livr)|non remis|pas pu (ê|e)tre remis"
    r"|nicht zugestellt|konnte nicht zugestellt|no (se )?(ha )?pod(ido|ía|ia) (ser )?entregar"
    r"|non (è|e) stato possibile (recapitare|consegnare)|n(ã|a)o (foi poss(í|i)vel|p(ô|o)de)",
    re.I,
)

#: Where a free-text bounce stops talking and starts quoting the returned message.
RETURNED_RE = re.compile(
    r"\s*(-{2,}[^\n]*?(original|copy|returned|below|undelivered|headers|forwarded)"
    r"|(Received|Return-Path|DKIM-Signature|Message-I[Dd]|MIME-Version):\s"
    r"|(below is a copy of )?(the )?original (mail|message)( as follows| follows)?\s*:?\s*$)",
    re.I,
)

#: Longest start of a line looked at for that marker (keeps the scan linear on huge lines).
MARKER_SPAN = 200

#: Phrases that tell a free-text report is only a delay.
DELAY_RE = re.compile(
    r"will (be )?retr|still trying|has not (yet )?been delivered|delayed|temporar|deferred"
    r"|try again later|nouvel essai|r(é|e)essa|vorübergehend|später erneut",
    re.I,
)

#: Subjects of reports that only warn of a delay.
DELAY_SUBJECT_RE = re.compile(r"\b(delay|delayed|warning)\b", re.I)

#: Lines that quote a Message-ID, whose right-hand side looks like an address.
MESSAGE_ID_LINE_RE = re.compile(r"message-?id|in-reply-to|references", re.I)

#: The rules ``mail-parse`` names for what this module read.
TEXT_RULE = "free-text bounce"
SES_RULE = "Amazon SES notification"

#: Addresses listed with commas or semicolons ("a@x.org, b@y.org: 550 ...").
LISTED_RE = re.compile(r"@[^\s,;<>]+>?\s*[,;]\s*<?[^\s@<>,;]+@")

#: Most recipients read from one free-text bounce.
MAX_RECIPIENTS = 50


def looks_like_text_bounce(msg: ParsedMessage) -> bool:
    """A mail server's free-text report: sent by a daemon, telling of a failure, naming who."""
    subject = msg.subject.strip()
    listed = any(msg.header(name) is not None for name in LIST_SERVER_HEADERS)
    automatic = (
        DAEMON_RE.match(msg.sender or "")
        or (listed and LIST_ADMIN_RE.match(msg.sender or ""))
        or DAEMON_NAME_RE.search(msg.sender_name or "")
        or str(msg.header("Return-Path") or "").strip() == "<>"
        or msg.header("X-Failed-Recipients")
        or (returns_original(msg) and not REPLY_PREFIX_RE.match(subject))
    )
    if not automatic:
        return False
    head = explanation(body_text(msg))
    said = FAILURE_RE.search(head) or (
        SUBJECT_RE.search(subject) and not REPLY_PREFIX_RE.match(subject)
    )
    named = ADDRESS_RE.search(head) or STATUS_RE.search(head) or SMTP_CODE_RE.search(head)
    named = named or any(p.search(subject) for p, _ in PHRASE_STATUS)
    # A server's report that names nobody (only a display name) is a bounce all the same.
    named = named or (FAILURE_RE.search(head) and SUBJECT_RE.search(subject))
    return bool(said and named)


def body_text(msg: ParsedMessage) -> str:
    """The readable text, or the raw text of parts a broken MIME structure left unparsed."""
    if (msg.text or "").strip():
        return msg.text
    raw = [p.get_payload() for p in msg.headers.walk() if isinstance(p.get_payload(), str)]
    return "\n".join(raw)[:100_000]


def returns_original(msg: ParsedMessage) -> bool:
    """The message carries another message (or its headers) back, as bounces do."""
    kinds = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")
    return any(kind in msg.part_types for kind in kinds)


def explanation(text: str) -> str:
    """Return the part of a free-text bounce before it quotes the returned message."""
    offset = 0
    for line in text.splitlines(keepends=True):
        if RETURNED_RE.match(line[:MARKER_SPAN]):
            return text[:offset]
        offset += len(line)
    return text


def from_text(msg: ParsedMessage) -> list[BounceInfo]:
    """Read a free-text bounce: each failed address, with the status its lines give."""
    head = explanation(body_text(msg))
    segments = _segments(head, msg)
    header = [address_in(a) for a in str(msg.headers.get("X-Failed-Recipients", "")).split(",")]
    header = [a for a in header if a]
    if header:
        named = dict(segments)
        segments = [(a, named.get(a, "")) for a in header]
    infos = []
    for recipient, text in segments or [("", head)]:
        status = status_from_text(text) or status_from_text(head)
        status = status or ("4.0.0" if DELAY_RE.search(head) else "5.0.0")
        if status[0] == "5" and DELAY_SUBJECT_RE.search(msg.subject):
            status = "4" + status[1:]
        action = action_for(status)
        diagnostic = _diagnostic_line(text) or _diagnostic_line(head)
        hard = is_hard(status, action)
        infos.append(BounceInfo(recipient, status, action, hard, diagnostic, rule=TEXT_RULE))
    return infos


def _segments(head: str, msg: ParsedMessage) -> list[tuple[str, str]]:
    """Split the explanation at each new address that is neither ours nor the daemon's."""
    ours = {msg.sender, *msg.to, *msg.cc}
    segments: list[tuple[str, str]] = []
    opened = 0  # how many segments the last address line opened
    for line in head.splitlines():
        if MESSAGE_ID_LINE_RE.search(line):
            continue
        fresh = [
            a.strip(".").lower()
            for a in ADDRESS_RE.findall(line)
            if a.strip(".").lower() not in ours
            and not DAEMON_RE.match(a)
            and not LIST_ADMIN_RE.match(a)
        ]
        fresh = list(dict.fromkeys(a for a in fresh if a not in dict(segments)))
        fresh = fresh[: MAX_RECIPIENTS - len(segments) if LISTED_RE.search(line) else 1]
        if fresh:
            # A line naming several addresses ("a@x, b@y: 550 ...") says the same of each.
            segments += [(address, line) for address in fresh]
            opened = len(fresh)
        elif segments:
            more = [(a, f"{text}\n{line}") for a, text in segments[-opened:]]
            segments[-opened:] = more
    return segments


def _diagnostic_line(head: str) -> str:
    for line in head.splitlines():
        if STATUS_RE.search(line) or SMTP_CODE_RE.search(line.strip()):
            return " ".join(line.split())[:500]
    return ""


def ses_notification(msg: ParsedMessage) -> dict | None:
    """Return the notification an Amazon SES-over-SNS email carries, if it is one."""
    text = msg.text or ""
    if "notificationType" not in text or "{" not in text:
        return None
    decoder = json.JSONDecoder(strict=False)
    try:
        outer = decoder.raw_decode(text[text.index("{") :])[0]
        inner = json.loads(outer["Message"], strict=False) if "Message" in outer else outer
    except (ValueError, TypeError, KeyError):
        return None
    return inner if isinstance(inner, dict) and "notificationType" in inner else None


def from_ses(msg: ParsedMessage) -> list[BounceInfo]:
    """Read an SES bounce, complaint or delivery notification, one entry per recipient."""
    note = ses_notification(msg)
    if note is None:
        return []
    kind = str(note.get("notificationType", "")).lower()
    body = note.get(kind) if isinstance(note.get(kind), dict) else {}
    people = body.get("bouncedRecipients") or body.get("complainedRecipients") or []
    people = people or [{"emailAddress": r} for r in body.get("recipients", [])]
    infos = []
    for person in people:
        status = str(person.get("status") or {"delivery": "2.0.0"}.get(kind, ""))
        action = {"complaint": "complaint", "delivery": "delivered"}.get(kind) or action_for(status)
        diag = str(person.get("diagnosticCode") or body.get("smtpResponse") or "")
        address = address_in(str(person.get("emailAddress", "")))
        hard = is_hard(status, action)
        infos.append(BounceInfo(address, status, action, hard, diag, rule=SES_RULE))
    return infos
