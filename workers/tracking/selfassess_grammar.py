"""Read a self-assessment reply: a rating from 1 to 5 per competence, as people type it.

Each line may hold numbered answers ("1) 4  2) 3", "1. 4", "Q3: 5"), named ones
("Listening: 4", "giving feedback 3/5; delegation - 2"), or, when it has one number per
competence and nothing else, the ratings in order ("4 3 5 2"). Lines without a number are
comments and are kept as such; a number out of range or a name that matches no competence
is reported, and the rest is still taken.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from workers.tracking.outcomes import reply_lines

#: The Likert scale.
LOWEST, HIGHEST = 1, 5

#: "1) 4", "1. 4", "1: 4", "Q1 = 4", "#1 - 4/5": a question number and its rating.
NUMBERED_RE = re.compile(
    r"(?:(?<=\s)|(?<=[,;])|^)(?:q|#|no\.?\s*)?(?P<q>\d{1,2})\s*[).:=\-–]\s*"
    r"(?P<v>\d+(?:[.,]\d+)?)(?:\s*(?:/|out\s+of)\s*5)?(?![\d.)])",
    re.IGNORECASE,
)

#: A line that is only ratings in order: "4 3 5 2", "4, 3, 5, 2".
BARE_RE = re.compile(r"^\d(?:\s*[,;/ ]\s*\d)+$")

#: "Listening: 4", "giving feedback 3/5", "Delegation - 2 (getting better)".
NAMED_RE = re.compile(
    r"^(?P<name>[^\W\d_][^:=\d]*?)\s*(?:[:=\-–]\s*)?(?P<v>\d+(?:[.,]\d+)?)"
    r"(?:\s*(?:/|out\s+of)\s*5)?\b(?P<rest>.*)$",
    re.IGNORECASE,
)

#: Where a line with several named answers splits.
SPLIT_RE = re.compile(r"\s*[;,]\s*(?=[^\W\d_])|\s{3,}")

#: How close a misspelt competence name must be (difflib ratio).
FUZZY = 0.8


@dataclass
class SelfAnswers:
    """What a reply rated (competence position -> 1..5), its comments and its problems."""

    ratings: dict[int, int] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _value(text: str, label: str, found: SelfAnswers) -> int | None:
    value = float(text.replace(",", "."))
    if value != int(value) or not LOWEST <= value <= HIGHEST:
        found.problems.append(f"{label}: {text} is not a whole number from 1 to 5")
        return None
    return int(value)


def match_name(typed: str, names: dict[int, str]) -> int | None:
    """Return the position of the competence ``typed`` names (exact, prefix or close), or None."""
    key = " ".join(typed.lower().split()).strip(" .-")
    lowered = {pos: name.lower() for pos, name in names.items()}
    for pos, name in lowered.items():
        if key == name:
            return pos
    starts = [pos for pos, name in lowered.items() if name.startswith(key) or key.startswith(name)]
    if len(starts) == 1 and len(key) >= 4:
        return starts[0]
    close = difflib.get_close_matches(key, list(lowered.values()), n=1, cutoff=FUZZY)
    return next((pos for pos, name in lowered.items() if close and name == close[0]), None)


def _numbered(line: str, names: dict[int, str], found: SelfAnswers) -> bool:
    matches = list(NUMBERED_RE.finditer(line))
    rest = NUMBERED_RE.sub(" ", line)
    if not matches or re.search(r"\d", rest):
        return False
    for m in matches:
        q = int(m.group("q"))
        if q not in names:
            found.problems.append(f"{m.group(0).strip()}: there is no question {q}")
            continue
        value = _value(m.group("v"), names[q], found)
        if value is not None:
            found.ratings[q] = value
    return True


def _bare(line: str, names: dict[int, str], found: SelfAnswers) -> bool:
    if not BARE_RE.match(line):
        return False
    values = re.findall(r"\d", line)
    if len(values) != len(names):
        found.problems.append(f"{line}: {len(values)} ratings for {len(names)} questions")
        return True
    for pos, text in zip(sorted(names), values, strict=True):
        value = _value(text, names[pos], found)
        if value is not None:
            found.ratings[pos] = value
    return True


def _named(line: str, names: dict[int, str], found: SelfAnswers) -> None:
    for chunk in SPLIT_RE.split(line):
        m = NAMED_RE.match(chunk.strip())
        if m is None:
            if re.search(r"\d", chunk):
                found.problems.append(f"{chunk}: no competence and rating found")
            elif chunk.strip():
                found.comments.append(chunk.strip())
            continue
        pos = match_name(m.group("name"), names)
        if pos is None:
            found.problems.append(f"{chunk}: no competence called {m.group('name').strip()!r}")
            continue
        value = _value(m.group("v"), names[pos], found)
        if value is not None:
            found.ratings[pos] = value


def read_self_assessment(
    text: str, names: dict[int, str], writer: tuple[str, ...] = ()
) -> SelfAnswers:
    """Return the ratings, comments and problems of a reply to a questionnaire of ``names``."""
    found = SelfAnswers()
    for line in reply_lines(text, writer):
        if not re.search(r"\d", line):
            found.comments.append(line)
        elif not (_numbered(line, names, found) or _bare(line, names, found)):
            _named(line, names, found)
    return found
