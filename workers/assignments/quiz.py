"""Quizzes scored from an answer key: numbered answers read from a key and from a reply.

A key reads ``1. b 2. true 3. paris`` (one answer per number, on one line or several; ``|``
separates answers that all count). A reply reads the same way, with any punctuation between
number and answer: ``1 b, 2 true, 3 Paris``. Case, spacing, quotes and brackets do not
matter, and ``t``/``f`` stand for true and false where the key says true or false.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workers.assignments.errors import InvalidAssignment

#: A question number: not inside a word or a decimal, then an optional ``.``, ``)``, ``:``
#: or ``-``, then the answer.
MARKER_RE = re.compile(r"(?<![\w.,/])(\d{1,2})(?![\d/])\s*[.):\-]?\s*(?=\S)")

#: Most questions a key may have.
MAX_QUESTIONS = 99

#: Characters trimmed around an answer.
TRIM = " \t\r\n.,;:!?'\"()[]{}<>"

#: Short forms accepted where the key's answer is true or false.
TRUTH = {"t": "true", "f": "false", "yes": "true", "no": "false", "y": "true", "n": "false"}


@dataclass
class QuizResult:
    """How a reply scored against a key: right answers, out of how many, and which were not."""

    score: int
    out_of: int
    wrong: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


def normalise(answer: str) -> str:
    """Return an answer as compared: lower case, single spaces, no surrounding punctuation."""
    return " ".join(answer.casefold().split()).strip(TRIM)


def numbered(text: str, wanted: set[int] | None = None) -> dict[int, str]:
    """Return the answers in ``text`` by question number; other numbers are answer text.

    Without ``wanted`` (a key) the numbers run 1, 2, 3...; with it (a reply) they rise and
    are among the key's, so a reply may skip a question.
    """
    marks, last = [], 0
    for found in MARKER_RE.finditer(text):
        number = int(found.group(1))
        if number == last + 1 if wanted is None else (number > last and number in wanted):
            marks.append((number, found.start(), found.end()))
            last = number
    answers = {}
    for index, (number, _, end) in enumerate(marks):
        stop = marks[index + 1][1] if index + 1 < len(marks) else len(text)
        answer = normalise(text[end:stop])
        if answer:
            answers[number] = answer
    return answers


def parse_key(text: str) -> dict[int, list[str]]:
    """Read an answer key; raise InvalidAssignment when it has no numbered answer."""
    answers = numbered(text or "")
    if not answers or len(answers) > MAX_QUESTIONS:
        raise InvalidAssignment(
            'write the answer key as numbered answers, such as "1. b 2. true 3. paris"',
            field="answer_key",
        )
    return {
        number: [normalise(a) for a in answer.split("|") if normalise(a)]
        for number, answer in answers.items()
    }


def _matches(given: str, accepted: list[str]) -> bool:
    if given in accepted:
        return True
    truth = TRUTH.get(given)
    return truth is not None and truth in accepted


def score(key_text: str, reply_text: str) -> QuizResult:
    """Score a reply against an answer key, question by question."""
    key = parse_key(key_text)
    given = numbered(reply_text or "", set(key))
    result = QuizResult(score=0, out_of=len(key))
    for number, accepted in sorted(key.items()):
        if number not in given:
            result.missing.append(number)
        elif _matches(given[number], accepted):
            result.score += 1
        else:
            result.wrong.append(number)
    return result
