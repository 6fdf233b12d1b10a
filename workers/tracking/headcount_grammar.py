"""Read the one-line answer to "who attended?": ``all``, ``none``, ``all but Sam``, or names.

People answer with names, first names or the list's numbers ("Sam, Priya and 4",
"everyone except Lee", "only Ana came"); a slightly misspelt name still counts when it is
close to one name only. A line that names someone not on the list, or nobody clearly, is
an error whose message says what to write.
"""

from __future__ import annotations

import difflib
import re

from workers.tracking.outcomes import reply_lines

#: Words meaning "everyone listed came".
ALL_WORDS = ("all", "everyone", "everybody", "all attended", "all came", "all of them",
             "everyone came", "everyone attended", "full house", "yes all")  # fmt: skip

#: Words meaning "nobody came".
NONE_WORDS = ("none", "nobody", "no one", "noone", "none of them", "nobody came", "cancelled")

#: "all but Sam", "everyone except Sam and Lee", "all apart from 2".
EXCEPT_RE = re.compile(
    r"^(?:all|everyone|everybody)\s*,?\s*(?:except(?:\s+for)?|but|apart\s+from|minus|bar|save)"
    r"\s+(?P<rest>.+)$",
    re.IGNORECASE,
)

#: "Sorry, ...", "Actually ...", "Correction: ...": a second answer's opening.
FIX_RE = re.compile(r"^(?:sorry|actually|correction|oops|update|in\s+fact)\b[\s,:!.\-–]*", re.I)

#: "attended: ...", "present - ...", "only ...": words before the names.
LEAD_RE = re.compile(r"^(?:attended|present|came|there|here|only|just)\s*[:\-–]?\s*", re.I)

#: "... came", "... attended", "... were there": words after the names.
TAIL_RE = re.compile(
    r"\s+(?:came|attended|were\s+there|was\s+there|joined|showed\s+up|made\s+it)\b.*$", re.I
)

#: Where a list of names splits.
SPLIT_RE = re.compile(r"\s*(?:,|;|&|\+|/|\band\b)\s*", re.IGNORECASE)

#: A greeting line above the answer ("Hi Tandem,", "Hello,").
GREETING_RE = re.compile(
    r"^(?:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening))\b[^.!?]{0,40}[,!]?$", re.I
)

#: How close a misspelt name must be (difflib ratio).
FUZZY = 0.8

#: What to write, as the error says it.
HELP = "answer all, none, all but a name (all but Sam), or the names or numbers of those who came"


class HeadcountError(ValueError):
    """The answer names nobody clearly, or someone not on the list."""


def _said(text: str, writer: tuple[str, ...]) -> str:
    lines = [line for line in reply_lines(text, writer) if not GREETING_RE.match(line)]
    line = lines[0] if lines else ""
    return " ".join(line.rstrip(".!").split())


def match_person(typed: str, names: list[str]) -> int | None:
    """Return the 1-based number of the person ``typed`` names (number, name, first or last
    name, or a close spelling of one), or None."""
    key = typed.strip(" .!").lower()
    if key.isdigit():
        n = int(key)
        return n if 1 <= n <= len(names) else None
    lowered = [n.lower() for n in names]
    for candidates in (
        [i for i, n in enumerate(lowered) if n == key],
        [i for i, n in enumerate(lowered) if n.split()[0] == key],
        [i for i, n in enumerate(lowered) if n.split()[-1] == key],
    ):
        if len(candidates) == 1:
            return candidates[0] + 1
    firsts = [n.split()[0] for n in lowered]
    close = [i for i, n in enumerate(lowered) if _close(key, n) or _close(key, firsts[i])]
    return close[0] + 1 if len(close) == 1 else None


def _close(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, a, b).ratio() >= FUZZY


def _people(text: str, names: list[str]) -> set[int]:
    found, unknown, several = set(), [], []
    for piece in SPLIT_RE.split(text):
        piece = piece.strip()
        if not piece:
            continue
        number = match_person(piece, names)
        if number is not None:
            found.add(number)
        elif sum(n.lower().split()[0] == piece.lower() for n in names) > 1:
            several.append(piece)
        else:
            unknown.append(piece)
    if several:
        raise HeadcountError(f"{', '.join(several)}: more than one on the list, give the full name")
    if unknown:
        listed = ", ".join(names)
        raise HeadcountError(f"{', '.join(unknown)}: not on the list ({listed}); {HELP}")
    if not found:
        raise HeadcountError(HELP)
    return found


def read_headcount(text: str, names: list[str], writer: tuple[str, ...] = ()) -> set[int]:
    """Return the numbers (1-based, in ``names`` order) of the people the answer says came."""
    said = FIX_RE.sub("", _said(text, writer))
    core = TAIL_RE.sub("", LEAD_RE.sub("", said)).strip(" ,.!")
    if said.lower() in ALL_WORDS or core.lower() in ALL_WORDS:
        return set(range(1, len(names) + 1))
    if said.lower() in NONE_WORDS or core.lower() in NONE_WORDS:
        return set()
    found = EXCEPT_RE.match(said)
    if found:
        return set(range(1, len(names) + 1)) - _people(found.group("rest"), names)
    if not core:
        raise HeadcountError(HELP)
    return _people(core, names)
