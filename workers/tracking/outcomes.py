"""Read what came of an intervention from the facilitator's or mentor's own words.

People answer an intervention email the way they would tell a colleague: "spoke to her, back
on track", "he has withdrawn from the programme", "no answer to two calls". The reply is kept
whole as the outcome's note; its words choose one of ``OUTCOMES`` (``other`` when none fits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.grammar.closings import CLOSING_RE, strip_sign_off
from workers.grammar.text import clean, collapse, is_quoted, unbullet

#: Most lines under a closing taken as a signature (name, role, organisation, phone).
SIGNATURE_LINES = 5

#: Longest note kept from a reply.
MAX_NOTE = 1000

#: Words for each outcome, tried in this order: a withdrawal mentioned with a call counts as
#: a withdrawal, and "no answer" beats the "spoke" of "spoke to his manager, no answer".
OUTCOME_WORDS = (
    (
        "withdrew",
        r"withdr[ae]wn?|withdrawing|dropp(?:ed|ing) out|dropped|has left|left the (?:programme|"
        r"program|course|workshop)|is leaving|quit|quits|resigned|no longer (?:taking part|"
        r"in the)|won'?t (?:continue|be continuing)|not continuing|pulled out",
    ),
    (
        "no-response",
        r"no (?:response|reply|answer|luck)|not (?:responded|replied|answered|answering|"
        r"heard back|reachable)|(?:hasn'?t|has not|haven'?t|have not|didn'?t|did not) "
        r"(?:respond|repl|answer|got back|get back|heard)\w*|(?:couldn'?t|could not|can'?t|cannot) "
        r"(?:reach|get hold|contact)|unreachable|silent|no word|nothing back|left (?:a )?"
        r"(?:message|voicemail)",
    ),
    (
        "re-engaged",
        r"back on track|re-?engaged|caught up|catching up|back in|spoke|spoken|talked|"
        r"met (?:with )?(?:him|her|them)|had a (?:chat|call|word)|sorted|resolved|fine now|"
        r"all good|is ok|is okay|is fine|will (?:submit|catch up|attend|join)|has submitted|"
        r"submitted|on track|better now|doing well",
    ),
)

_PATTERNS = tuple((name, re.compile(rf"\b(?:{words})\b", re.I)) for name, words in OUTCOME_WORDS)


@dataclass(frozen=True)
class Outcome:
    """An outcome read from a reply: one of ``OUTCOMES`` and the note kept with it."""

    outcome: str
    note: str


def reply_lines(text: str, names: tuple[str, ...] = ()) -> list[str]:
    """Return the reply's own lines: no quoted history, no sign-off, cleaned, not blank."""
    lines = [clean(line) for line in text.splitlines() if not is_quoted(line)]
    lines = strip_sign_off([line for line in lines if line], names)
    # A closing with a longer signature under it ("Kind regards," name, role, phone).
    closing = [i for i, line in enumerate(lines) if CLOSING_RE.match(line)]
    if closing and len(lines) - closing[-1] <= SIGNATURE_LINES:
        lines = lines[: closing[-1]]
    return [unbullet(line) for line in lines if unbullet(line)]


def read_outcome(text: str, names: tuple[str, ...] = ()) -> Outcome | None:
    """Return the outcome a reply reports, or None when it says nothing."""
    lines = reply_lines(text, names)
    note = collapse(lines)[:MAX_NOTE]
    if not note:
        return None
    for name, pattern in _PATTERNS:
        if pattern.search(note):
            return Outcome(name, note)
    return Outcome("other", note)
