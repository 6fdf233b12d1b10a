"""Delivery status notifications (RFC 3464) and the status codes bounces give."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from workers.reading.message import ParsedMessage

#: An enhanced status code (RFC 3463), not part of a longer dotted number such as an IP.
STATUS_RE = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")

#: A basic SMTP reply code at the start of a server's answer.
SMTP_CODE_RE = re.compile(r"(?<![\d.])([245]\d\d)(?:[ -]|$)", re.M)

#: Phrases that tell which enhanced status a free-text bounce means when it gives none.
PHRASE_STATUS = (
    (
        re.compile(
            r"user unknown|unknown user|no such (user|mailbox|recipient)|does not exist"
            r"|invalid (recipient|mailbox|address)|user not found"
            r"|mailbox (is )?unavailable|not a valid mailbox|no mailbox here"
            r"|adresse inconnue|destinataire inconnu|utilisateur (inconnu|inexistant)"
            r"|unbekannt|existiert nicht|usuario desconocido|no existe|utente sconosciuto",
            re.I,
        ),
        "5.1.1",
    ),
    (
        re.compile(
            r"host (or domain name )?(unknown|not found)|domain (not found|does not exist)"
            r"|name or service not known|no mx",
            re.I,
        ),
        "5.1.2",
    ),
    (
        re.compile(
            r"(mailbox|quota|disk) (is )?(full|exceeded)|over quota|insufficient"
            r"|bo(i|î)te (aux lettres )?pleine|postfach (ist )?voll|buz(ó|o)n lleno|casella piena",
            re.I,
        ),
        "5.2.2",
    ),
)

#: Enhanced-status subjects that say the address itself is bad (the rest may pass later).
HARD_SUBJECTS = ("1.1", "1.2", "1.3", "1.6", "1.10", "2.1", "4.4")

#: The rule ``mail-parse`` names for a recipient read from delivery-status fields.
DSN_RULE = "RFC 3464 delivery-status"

#: An email address in free text.
ADDRESS_RE = re.compile(
    r"(?<![A-Za-z0-9._%+'=/-])[A-Za-z0-9._%+'=/-]{1,64}"  # bounded: linear on hostile text
    r"@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b"
)


@dataclass
class BounceInfo:
    """What a bounce says about one recipient of one email Tandem sent."""

    recipient: str
    status: str
    action: str  # failed, delayed, delivered, relayed, expanded, complaint
    hard: bool
    diagnostic: str = ""
    original_message_id: str = ""
    verp_email_id: int | None = None
    rule: str = ""  # what read it: the RFC 3464 fields, a free-text reading, a library...


def is_hard(status: str, action: str) -> bool:
    """A permanent failure (5.x.x) that says the address itself is bad."""
    match = STATUS_RE.fullmatch(status.strip())
    if action != "failed" or not match or match.group(1) != "5":
        return False
    return f"{match.group(2)}.{match.group(3)}" in HARD_SUBJECTS


#: Content types of the MIME parts that hold delivery-status fields.
STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status", "text/delivery-status")


def is_status_part(part: Message) -> bool:
    """Tell whether a MIME part holds delivery-status fields."""
    return part.get_content_type() in STATUS_TYPES


def from_dsn(msg: ParsedMessage) -> list[BounceInfo]:
    """Read the per-recipient fields of every delivery-status part."""
    infos = []
    for part in msg.headers.walk():
        if not is_status_part(part):
            continue
        for fields in field_blocks(part_text(part)):
            if "final-recipient" in fields or "original-recipient" in fields:
                infos.append(_from_fields(fields))
    return infos


def _from_fields(fields: dict[str, str]) -> BounceInfo:
    recipient = fields.get("final-recipient") or fields.get("original-recipient", "")
    diagnostic = fields.get("diagnostic-code", "").split(";", 1)[-1].strip()
    action = fields.get("action", "").strip().lower().split()[0:1]
    status = _status(fields.get("status", ""), diagnostic, action[0] if action else "")
    act = action[0] if action else action_for(status)
    return BounceInfo(
        recipient=address_in(recipient.split(";", 1)[-1]),
        status=status,
        action=act,
        hard=is_hard(status, act),
        diagnostic=" ".join(diagnostic.split())[:500],
        rule=DSN_RULE,
    )


def _status(field: str, diagnostic: str, action: str) -> str:
    """Prefer the Status field, then a code in the diagnostic, then what the action implies."""
    for text in (field, diagnostic):
        match = STATUS_RE.search(text)
        if match and match.group(0) not in ("5.0.0", "4.0.0"):
            return match.group(0)
    inferred = status_from_text(diagnostic)
    if inferred:
        return inferred
    match = STATUS_RE.search(field)
    if match:
        return match.group(0)
    return {"failed": "5.0.0", "delayed": "4.0.0", "delivered": "2.0.0", "relayed": "2.0.0"}.get(
        action, ""
    )


def status_from_text(text: str) -> str:
    """An explicit specific code wins, then a telling phrase, then any code at all."""
    match = STATUS_RE.search(text)
    if match and match.group(0)[1:] != ".0.0":
        return match.group(0)
    code = SMTP_CODE_RE.search(text)
    for pattern, status in PHRASE_STATUS:
        if pattern.search(text):
            return ("4" if code and code.group(1)[0] == "4" else "5") + status[1:]
    if match:
        return match.group(0)
    return f"{code.group(1)[0]}.0.0" if code else ""


def action_for(status: str) -> str:
    """Return the DSN action a status implies: 2.x.x delivered, 4.x.x delayed, else failed."""
    return {"2": "delivered", "4": "delayed"}.get(status[:1], "failed")


def field_blocks(text: str) -> list[dict[str, str]]:
    """Split ``Name: value`` groups separated by blank lines, unfolding continuations."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, ""
        elif line[0] in " \t" and last:
            current[last] += " " + line.strip()
        elif ":" in line:
            name, value = line.split(":", 1)
            last = name.strip().lower()
            current.setdefault(last, value.strip())
    if current:
        blocks.append(current)
    return blocks


def part_text(part: Message) -> str:
    """Return the text of a report part, whether the parser split it into blocks or not."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n\n".join(
            "\n".join(f"{k}: {v}" for k, v in block.items())
            for block in payload
            if isinstance(block, Message)
        )
    raw = part.get_payload(decode=True) or b""
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(payload)


def address_in(value: str) -> str:
    """Return the first email address in ``value``, lower-case, or ""."""
    match = ADDRESS_RE.search(value or "")
    return match.group(0).lower().strip(".") if match else ""
