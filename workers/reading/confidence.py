"""How sure a reading is: bounces by what named the recipient, calendar replies by what they say.

``mail-parse`` reports the figure (0 to 1) beside the rule or library that decided; the
pipeline quarantines a bounce or a reply below ``LOW_CONFIDENCE`` instead of guessing.
"""

from __future__ import annotations

from workers.reading.bounce_library import LIBRARY_RULE
from workers.reading.bounce_text import SES_RULE, TEXT_RULE
from workers.reading.dsn import DSN_RULE, STATUS_RE, BounceInfo
from workers.reading.itip import CalendarReply

#: Below this a bounce or a reply is kept for a coordinator rather than applied.
LOW_CONFIDENCE = 0.5

#: How sure each bounce reader is when it names the recipient and the status.
BOUNCE_CONFIDENCE = {DSN_RULE: 1.0, SES_RULE: 0.95, TEXT_RULE: 0.85, LIBRARY_RULE: 0.6}

#: A bounce that names no recipient: which email failed is a guess.
NO_RECIPIENT = 0.3

#: A free-text bounce whose status comes only from its words, not from a code.
WORDS_ONLY = 0.7


def bounce_confidence(info: BounceInfo | None) -> float:
    """How sure the reading of a bounce is (a signed VERP return path settles it)."""
    if info is None:
        return NO_RECIPIENT
    if info.verp_email_id is not None or info.action == "complaint":
        return 1.0
    if not info.recipient:
        return NO_RECIPIENT
    confidence = BOUNCE_CONFIDENCE.get(info.rule, 0.8)
    if info.rule == TEXT_RULE and not STATUS_RE.search(info.diagnostic or ""):
        confidence = min(confidence, WORDS_ONLY)
    return confidence


def bounce_rule(info: BounceInfo | None) -> str:
    """The reader that decided, for ``mail-parse``."""
    if info is None:
        return "delivery report naming nothing"
    return info.rule or "delivery report"


def calendar_confidence(reply: CalendarReply) -> float:
    """Sure when the object names the event, the attendee and an answer."""
    named = bool(reply.uid) and bool(reply.attendee)
    return 1.0 if named and reply.partstat != "NEEDS-ACTION" else 0.6 if named else 0.3
