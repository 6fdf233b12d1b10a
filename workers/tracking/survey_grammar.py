"""Answers to a survey by reply: a satisfaction score, a recommendation score and a comment.

People answer the way they write, so several shapes are read::

    Satisfaction: 4            Recommend: 9/10             4/5 and 9/10
    Comment: more role-play    I'd give it a 9 out of 10   Very satisfied! Loved the panels.
    5                          4 - great sessions

1. A labelled line (``Satisfaction:``, ``Recommend:``, ``Comment:`` and their synonyms)
   answers its question; a comment runs on over the lines below it.
2. A score with its scale (``4/5``, ``9 out of 10``) answers the question on that scale,
   and a line that names one ("satisfied", "recommend") answers that one.
3. A bare number at the start of a line answers the first question not answered yet.
4. Words of satisfaction ("very satisfied", "dissatisfied") give that score.
5. Every other line is the comment. A score out of range is reported, never stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: The scale of each scored question.
SCALES = {"satisfaction": (1, 5), "nps": (0, 10)}

#: The label words people use for each question, lower-case.
LABELS = {
    "satisfaction": ("satisfaction", "satisfied", "rating", "score", "overall", "how satisfied"),
    "nps": (
        "recommend",
        "recommendation",
        "nps",
        "nps score",
        "likely to recommend",
        "would recommend",
    ),
    "comment": ("comment", "comments", "feedback", "remarks", "notes", "why", "impact"),
}

#: Label word to the question it answers.
LABEL_INDEX = {word: name for name, words in LABELS.items() for word in words}

#: Words of satisfaction and the score they mean; longest first, so "very" wins.
WORDS = (
    ("very dissatisfied", 1),
    ("very unsatisfied", 1),
    ("very satisfied", 5),
    ("extremely satisfied", 5),
    ("dissatisfied", 2),
    ("unsatisfied", 2),
    ("neutral", 3),
    ("satisfied", 4),
)

#: A labelled line: a label of a few words, then ``:``, ``=`` or a spaced dash.
LABEL_RE = re.compile(
    r"^\s*(?:[-*\u2022]|\d{1,2}[.)])?\s*(?P<label>[A-Za-z][A-Za-z ]{0,30}?)\s*"
    r"(?::|=|\s[-\u2013]\s)\s*(?P<value>.*)$"
)

#: A score with its scale: "4/5", "9 / 10", "9 out of 10", "8 of 10".
SCALED_RE = re.compile(r"(?<![\d.])(\d{1,2})\s*(?:/|out of|of)\s*(5|10)\b", re.IGNORECASE)

#: A number that opens a line: "5", "4 - great", "9!", "10. Loved it", "4 stars".
LEADING_RE = re.compile(
    r"^\s*(\d{1,2})(?![\d/.,]\d)(?:\s*[-\u2013:.,!)]\s*|\s+(?:stars?|points?)\b\W*|$)"
    r"(?P<rest>.*)$",
    re.IGNORECASE,
)

#: A question's key word, then its score a few words on: "satisfaction 4", "recommend it, 9".
KEYED_RE = re.compile(
    r"\b(satisf\w*|recommend\w*|nps)\b[^\d\n]{0,25}?(?<![\d.])(\d{1,2})(?![\d.]\d)",
    re.IGNORECASE,
)

#: Words a line needs beside its score to count as a comment too.
MIN_COMMENT_WORDS = 2

#: A number anywhere, for a labelled value ("Recommend: 9/10").
NUMBER_RE = re.compile(r"(?<![\d.])(\d{1,2})(?![\d.]\d)")

#: Most lines of a reply read, and longest comment kept.
MAX_LINES = 60
MAX_COMMENT = 4000


@dataclass
class SurveyAnswer:
    """What a reply said: scores by question, the comment, and what could not be taken."""

    scores: dict[str, int] = field(default_factory=dict)
    comment: str = ""
    problems: list[str] = field(default_factory=list)


def _take(answer: SurveyAnswer, question: str, value: int, line: str) -> None:
    low, high = SCALES[question]
    if question in answer.scores:
        return
    if low <= value <= high:
        answer.scores[question] = value
    else:
        name = "Satisfaction" if question == "satisfaction" else "Recommendation"
        answer.problems.append(f"{name}: {value} is not from {low} to {high} ({line[:80]})")


def _score_in(text: str) -> int | None:
    """Return the score a value gives: its first number, or its words of satisfaction."""
    found = NUMBER_RE.search(text)
    if found:
        return int(found.group(1))
    lowered = text.lower()
    return next((score for words, score in WORDS if words in lowered), None)


def _keyed(line: str) -> list[tuple[str, int]]:
    """Return the (question, score) pairs a line names: "satisfaction 4, recommend 9"."""
    pairs = []
    for word, value in KEYED_RE.findall(line):
        pairs.append(
            ("nps" if word.lower().startswith(("recommend", "nps")) else "satisfaction", int(value))
        )
    return pairs


def _unlabelled(line: str, asks: tuple[str, ...], answer: SurveyAnswer) -> str:
    """Read scores from a line without a label; return it as comment unless it was only that."""
    found = [("satisfaction" if s == "5" else "nps", int(v)) for v, s in SCALED_RE.findall(line)]
    rest = SCALED_RE.sub(" ", line)
    if not found:
        found = _keyed(line)
        rest = KEYED_RE.sub(" ", line)
    open_ = [q for q in asks if q not in answer.scores]
    leading = None if found else LEADING_RE.match(line)
    if leading and open_:
        found = [(open_[0], int(leading.group(1)))]
        rest = leading.group("rest")
    if not found and "satisf" in line.lower():
        score = next((n for words, n in WORDS if words in line.lower()), None)
        found = [("satisfaction", score)] if score is not None else []
    for question, value in found:
        _take(answer, question, value, line)
    if not found:
        return line
    # A line that was only a score ("4/5 and 9/10") leaves no comment; a sentence stays whole.
    words = re.findall(r"[^\W\d_]{2,}", rest)
    return line if len(words) >= MIN_COMMENT_WORDS else ""


def parse_survey_reply(text: str, asks: tuple[str, ...] = ("satisfaction", "nps")) -> SurveyAnswer:
    """Return the scores and the comment a reply to a survey gives (see the module's rules)."""
    answer = SurveyAnswer()
    comment: list[str] = []
    in_comment = False
    for raw in text.splitlines()[:MAX_LINES]:
        line = raw.strip()
        if not line:
            continue
        found = LABEL_RE.match(line)
        name = LABEL_INDEX.get(" ".join(found.group("label").lower().split())) if found else None
        if name == "comment":
            in_comment = True
            comment.append(found.group("value").strip())
        elif name is not None:
            in_comment = False
            value = found.group("value").strip()
            score = _score_in(value)
            if score is None:
                answer.problems.append(f"{line[:80]} (no score found)")
            else:
                _take(answer, name, score, line)
        elif in_comment:
            comment.append(line)
        else:
            comment.append(_unlabelled(line, asks, answer))
    answer.comment = "\n".join(part for part in comment if part)[:MAX_COMMENT]
    return answer
