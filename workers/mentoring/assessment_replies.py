"""Answers to the needs assessment by reply: labelled lines, read and applied.

A reply answers with one line per question, in any order and case::

    Goals: public speaking; running meetings
    Format: one-to-one
    Languages: English, French
    Availability: Mon 16:00-18:00
    Wed 15:00-17:00

A line without a label continues the answer above it (times, goals or languages one per line)
when it reads as one on its own: so a remark after the answers ("I like Mondays") is not
taken for a language. Lines Tandem cannot place are reported back.
"""

from __future__ import annotations

import re

from models import Assessment
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import AmbiguousReplyError, UnknownObjectError
from workers.mentoring.assessment import CHECKS, apply_answers
from workers.mentoring.errors import UnreadableAnswersError
from workers.outbound import outbox
from workers.runtime.plainsql import row_by_id
from workers.workspace.errors import InvalidValue

#: The label words people use for each question, lower-case.
LABELS = {
    "goals": ("goals", "goal", "my goals", "needs", "objectives"),
    "format": ("format", "preferred format", "session format", "formats"),
    "languages": ("languages", "language", "spoken languages", "languages spoken"),
    "availability": ("availability", "available", "availabilities", "times", "when"),
}

#: Label word to the question it answers.
LABEL_INDEX = {word: name for name, words in LABELS.items() for word in words}

#: A labelled line: an optional bullet or number, a label, then ``:``, ``=`` or a spaced dash.
LINE_RE = re.compile(
    r"^\s*(?:[-*\u2022]|\d{1,2}[.)])?\s*(?P<label>[A-Za-z][A-Za-z ]{0,30}?)\s*"
    r"(?::|=|\s[-\u2013]\s)\s*(?P<value>.*)$"
)

#: Most lines of a reply read (a questionnaire answer is short; the rest is reported).
MAX_LINES = 60


#: The answers a line on its own may continue: lists, one item per line.
CONTINUED = ("goals", "languages", "availability")


def _continues(name: str, line: str) -> bool:
    """Tell whether ``line`` reads as one more item of answer ``name``."""
    if name not in CONTINUED:
        return False
    try:
        CHECKS[name](line)
    except InvalidValue:
        return False
    return True


def parse_answers(text: str) -> tuple[dict[str, str], list[str]]:
    """Return the answer to each question found in ``text``, and the lines not understood."""
    answers: dict[str, list[str]] = {}
    unread: list[str] = []
    current = None
    for line in text.splitlines()[:MAX_LINES]:
        if not line.strip():
            continue
        found = LINE_RE.match(line)
        name = LABEL_INDEX.get(" ".join(found.group("label").lower().split())) if found else None
        if name is not None:
            current = name
            value = found.group("value").strip()
            answers.setdefault(name, []).extend([value] if value else [])
        elif current is not None and not found and _continues(current, line.strip()):
            answers[current].append(line.strip())
        else:
            current = None
            unread.append(line.strip()[:200])
    return {name: "; ".join(parts) for name, parts in answers.items() if parts}, unread


def read_assessment_reply(ctx: ReplyContext) -> None:
    """Read the answers ahead of the write transaction."""
    ctx.read = parse_answers(ctx.reply_text)


@applier("assessment", read=read_assessment_reply)
def apply_assessment_reply(ctx: ReplyContext) -> str:
    """Apply a mentee's answers to the needs questionnaire and confirm what was recorded."""
    assessment = row_by_id(Assessment, ctx.object_id)
    if assessment is None or assessment.person_id != ctx.person.id:
        raise UnknownObjectError(f"assessment {ctx.object_id} does not exist")
    if ctx.read is None:
        read_assessment_reply(ctx)
    answers, unread = ctx.read
    try:
        applied = apply_answers(assessment, answers, "email")
    except UnreadableAnswersError as exc:
        raise AmbiguousReplyError(
            "no answer to the questionnaire could be read",
            understood=[],
            not_understood=exc.problems + unread,
        ) from None
    problems = applied.problems + unread
    with outbox.transaction():
        outbox.queue_email(
            "confirmation",
            ctx.person,
            {
                "title": "your answers to the questionnaire",
                "recorded": applied.recorded,
                "not_understood": problems,
                "late": False,
            },
            key=f"inbound:{ctx.message.id}:confirmation",
            about=("assessment", assessment.id),
            in_reply_to=ctx.message.message_id,
        )
    return f"{len(applied.recorded)} answers recorded, {len(problems)} not understood"
