"""What mentors and mentees write back about their sessions, plans and goals.

One line per answer, in any order, labelled, built on the reply grammar::

    Rating: 4                    (or 4/5; the mentor's view of progress, the mentee's satisfaction)
    Attended: yes                (a pair; a group answers all, none, 1, 3 or all except 2)
    Plan 1: done                 (plan 2: 60%, plan 3: blocked waiting on a room)
    Goal 1: 60%                  (or the value reached: goal 2: 3)
    Action: draft the speech @Ada by 20 Nov
    Option 2                     (a time offered)

Every other line is the notes or the reflection. A line that starts like one of these but
cannot be read is reported back, and nothing is changed for it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from workers.grammar.items import Status, read_status
from workers.grammar.notes import NewItem, parse_notes
from workers.grammar.text import clean, collapse, unbullet
from workers.grammar.values import read_answer, read_rating
from workers.mentoring.attendance import ConfirmationError, parse_confirmation

#: "Rating: 4", "satisfaction 5/5", "progress: 3 out of 5".
RATING_RE = re.compile(r"^(?:rating|satisfaction|progress|score)\s*[:=\-–]?\s*(?P<v>.+)$", re.I)

#: "Attended: yes", "attendance: all except 2".
ATTENDED_RE = re.compile(r"^(?:attended|attendance|present|came)\s*[:=\-–]?\s*(?P<v>.+)$", re.I)

#: "Plan 2: done", "item 1 60%".
PLAN_RE = re.compile(r"^(?:plan|item|step)\s*#?(?P<n>\d{1,3})\s*[:=\-–.)]?\s*(?P<v>.+)$", re.I)

#: "Goal 1: 60%", "goal 2 = 3".
GOAL_RE = re.compile(
    r"^goal\s*#?(?P<n>\d{1,3})\s*[:=\-–.)]?\s*(?:(?:is|at|now|reached)\s+)*"
    r"(?P<v>[-+]?\d+(?:[.,]\d+)?)\s*(?P<pct>%|percent\b|pct\b)?(?P<rest>.*)$",
    re.I,
)

#: "2", "option 2", "number 2", "2 please": a time offered, by its number.
OPTION_RE = re.compile(
    r"^(?:(?:option|number|no\.?|#)\s*)?(?P<n>[1-9])\b(?:\s*please)?[.!]?$", re.I
)

#: Asking for a session outside the rhythm.
AD_HOC_RE = re.compile(
    r"\b(?:need|want|like|request|could\s+we\s+have|can\s+we\s+have|can\s+we\s+(?:meet|talk))"
    r"\b.{0,40}\b(?:session|meeting|meet|talk|call|chat)\b",
    re.I,
)

#: Most lines read (the rest is kept as text).
MAX_LINES = 80


@dataclass
class PairReply:
    """What one reply says, as read."""

    rating: int | None = None
    attended: bool | set[int] | None = None
    plan: dict[int, Status] = field(default_factory=dict)
    goals: dict[int, tuple[float, bool]] = field(default_factory=dict)  # n -> (value, percent)
    actions: list[NewItem] = field(default_factory=list)
    option: int | None = None
    ad_hoc: bool = False
    text: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def says_something(self) -> bool:
        """Tell whether the reply holds anything to apply."""
        return bool(
            self.rating or self.attended is not None or self.plan or self.goals
            or self.actions or self.option or self.ad_hoc or self.text
        )  # fmt: skip


def read_pair_reply(
    text: str, *, timezone: str = "UTC", today: dt.date | None = None, group_size: int = 0
) -> PairReply:
    """Read a reply about a session, a plan or goals; ``group_size`` mentees when a group."""
    today = today or dt.date.today()
    actions, rest = parse_notes(text, timezone=timezone, today=today)
    found = PairReply(actions=actions)
    found.problems += [p for item in actions for p in item.problems if "no due date" not in p]
    kept = []
    for line in rest.splitlines()[:MAX_LINES]:
        body = unbullet(clean(line)).strip()
        if body and not _read_line(found, body, today, group_size):
            kept.append(line)
    found.text = collapse(kept)[:5000]
    found.ad_hoc = bool(AD_HOC_RE.search(found.text))
    return found


def _read_line(found: PairReply, body: str, today: dt.date, group_size: int) -> bool:
    """Read one labelled line into ``found``; return False for a line of plain text."""
    for regex, reader in (
        (RATING_RE, _rating),
        (ATTENDED_RE, _attended),
        (PLAN_RE, _plan),
        (GOAL_RE, _goal),
        (OPTION_RE, _option),
    ):
        match = regex.match(body)
        if match:
            problem = reader(found, match, today, group_size)
            if problem:
                found.problems.append(f"{body[:200]!r}: {problem}")
            return True
    value, _ = read_rating(body)
    if value is not None and found.rating is None and re.match(r"^\d", body):
        found.rating = _five(value)
        return True
    return False


def _five(value: tuple[float, float]) -> int:
    """Return a rating on a 1-5 scale."""
    score, scale = value
    return max(1, min(5, round(score / scale * 5)))


def _rating(found: PairReply, match, today, group_size) -> str:
    value, _ = read_rating("rating " + match.group("v"))
    if value is None:
        return "give a rating from 1 to 5"
    found.rating = _five(value)
    return ""


def _attended(found: PairReply, match, today, group_size) -> str:
    said = match.group("v")
    if group_size:
        try:
            found.attended = parse_confirmation(said, group_size)
        except ConfirmationError as exc:
            return str(exc)
        return ""
    answer, _ = read_answer(said)
    if answer is None:
        return "answer yes or no"
    found.attended = answer
    return ""


def _plan(found: PairReply, match, today, group_size) -> str:
    status = read_status(match.group("v").strip(), today)
    if status is None or (status.status is None and status.due is None):
        return "say done, a percentage, blocked or a new date"
    found.plan[int(match.group("n"))] = status
    return "; ".join(status.problems)


def _goal(found: PairReply, match, today, group_size) -> str:
    value = float(match.group("v").replace(",", "."))
    percent = bool(match.group("pct"))
    if percent and not 0 <= value <= 100:
        return "a percentage is from 0 to 100"
    found.goals[int(match.group("n"))] = (value, percent)
    return ""


def _option(found: PairReply, match, today, group_size) -> str:
    found.option = int(match.group("n"))
    return ""
