"""Decide what kind an inbound message is: reply, calendar reply, auto-reply or bounce."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workers.reading.autoreply import auto_reply_reason
from workers.reading.bounces import BounceInfo, is_bounce, parse_bounce, report_type
from workers.reading.confidence import bounce_confidence, bounce_rule, calendar_confidence
from workers.reading.itip import REPLY_METHODS, CalendarReply, parse_calendar
from workers.reading.message import ParsedMessage

#: How sure an auto-reply reading is: a header says so, a subject or text only suggests it.
AUTO_SURE, AUTO_GUESSED = 1.0, 0.8

#: Auto-reply reasons that rest on what the message says rather than on a header.
AUTO_GUESSES = ("out-of-office subject", "X-Auto-Response-Suppress with an out-of-office text")

#: The rule naming everything else.
REPLY_RULE = "no sign of a report or an automatic answer"

#: Every kind ``classify`` returns; "unreadable" is for bytes that are not a message at all.
KINDS = ("reply", "calendar_reply", "auto_reply", "bounce", "unreadable")


@dataclass
class Classification:
    """The kind of a message, why, and what a bounce or calendar reply says."""

    kind: str
    reason: str = ""
    bounce: BounceInfo | None = None
    calendar: CalendarReply | None = None
    confidence: float = 1.0  # 0-1; below LOW_CONFIDENCE a bounce is not applied
    rule: str = ""  # the rule or library that decided


def classify(
    msg: ParsedMessage, *, secret: str | None = None, rcpts: Iterable[str] = ()
) -> Classification:
    """Classify a parsed message; bounces first, since they look automatic too.

    1. Delivery and feedback reports are bounces (VERP ``rcpts`` say which email bounced).
    2. A REPLY or COUNTER calendar object is a calendar reply (Google marks them automatic).
    3. Auto-reply headers and out-of-office subjects make an auto-reply.
    4. Everything else is a person's reply.
    """
    if is_bounce(msg):
        info = parse_bounce(msg, secret=secret, rcpts=tuple(rcpts))
        complaint = report_type(msg) == "feedback-report" or (info and info.action == "complaint")
        reason = "feedback report" if complaint else "delivery report"
        confidence, rule = bounce_confidence(info), bounce_rule(info)
        return Classification("bounce", reason, info, confidence=confidence, rule=rule)
    calendar = calendar_reply(msg)
    if calendar is not None:
        reason = f"iTIP {calendar.method}"
        sure = calendar_confidence(calendar)
        return Classification(
            "calendar_reply", reason, calendar=calendar, confidence=sure, rule=reason
        )
    reason = auto_reply_reason(msg)
    if reason:
        sure = AUTO_SURE if reason not in AUTO_GUESSES else AUTO_GUESSED
        return Classification("auto_reply", reason, confidence=sure, rule=reason)
    return Classification("reply", rule=REPLY_RULE)


def calendar_reply(msg: ParsedMessage) -> CalendarReply | None:
    """Return the first REPLY or COUNTER calendar object the message carries, if any."""
    for method, text in msg.calendar_parts:
        reply = parse_calendar(text, sender=msg.sender)
        if reply is None:
            continue
        if not reply.method and method:
            reply.method = method.strip().upper()
        if reply.method in REPLY_METHODS:
            return reply
    return None
