"""Sign-offs at the end of an answer: a closing ("Thanks,", "Best regards") and the name below it.

They are the person's words, so trimming keeps them; the grammar drops them, because an
answer's leftover lines become its comment and "Thanks, Ada" is no comment.
"""

from __future__ import annotations

import re

from workers.grammar.text import clean

#: A line that only closes a message ("Thanks,", "Best regards", "Cheers!", "Mit freundlichen
#: Grüßen"): nothing before it, punctuation at most after it.
CLOSING_RE = re.compile(
    r"""^(?:
        (?:many|big|huge|with)\s+thanks
        | thanks?(?:\s+(?:you|again|so\s+much|very\s+much|a\s+lot|all|everyone|in\s+advance))*
        | thank\s+you(?:\s+(?:all|again|so\s+much|very\s+much|in\s+advance))*
        | thx | ty | tia | ta | cheers | best | regards | rgds | br | kr
        | (?:best|kind|kindest|warm|warmest|warm\s+best|many|fond)\s+regards
        | (?:best|warm|kind|good)\s+wishes | all\s+the\s+best | sincerely
        | yours(?:\s+(?:truly|sincerely|faithfully))? | (?:very\s+)?(?:truly|sincerely)\s+yours
        | take\s+care | talk\s+soon | speak\s+soon | (?:have\s+a\s+)?(?:good|nice)\s+(?:day|weekend)
        | merci(?:\s+beaucoup)? | cordialement | bien\s+à\s+vous | danke(?:\s+schön)?
        | (?:mit\s+)?(?:freundlichen|besten|herzlichen|vielen)\s+grüßen | (?:viele|liebe)\s+grüße
        | gracias | saludos(?:\s+cordiales)? | un\s+saludo | grazie | cordiali\s+saluti
        | obrigad[oa] | atenciosamente | (?:met\s+)?vriendelijke\s+groet(?:en)? | groeten
        | mvh | med\s+vänlig\s+hälsning | hälsningar
    )[\s!.,;:…~-]*$""",
    re.IGNORECASE | re.VERBOSE,
)

#: Small words a name (or the role under it) may hold in lower case ("Ana de la Cruz").
NAME_PARTICLES = frozenset(
    "de del della der den di da das dos du la le van von bin ibn al y e of and for the &".split()
)

#: Longest name line, in characters and in words.
MAX_NAME_CHARS, MAX_NAME_WORDS = 60, 6

#: Most lines taken as the name (and role) under a closing.
MAX_NAME_LINES = 2

#: Most sign-offs taken off one answer ("Thanks again!", then "Cheers,", "Ada").
MAX_SIGN_OFFS = 3


def strip_sign_off(lines: list[str], names: tuple[str, ...] = ()) -> list[str]:
    """Return ``lines`` without the sign-offs that end them: closings with the name lines
    under them, or, alone, a last line that is one of the writer's ``names``."""
    for _ in range(MAX_SIGN_OFFS):
        shorter = _strip_one(lines, names)
        if len(shorter) == len(lines):
            break
        lines = shorter
    return lines


def _strip_one(lines: list[str], names: tuple[str, ...]) -> list[str]:
    """Return ``lines`` without their last sign-off, if they end with one."""
    end = _last_words(lines, len(lines))
    below = end
    for _ in range(MAX_NAME_LINES):
        line = lines[below - 1] if below else ""
        if not below or _is_closing(line) or not _is_name(line, names):
            break
        below = _last_words(lines, below - 1)
    if below > 0 and _is_closing(lines[below - 1]):
        return lines[: below - 1]
    if below < end and _is_own_name(lines[end - 1], names):
        return lines[: end - 1]
    return lines


def _last_words(lines: list[str], end: int) -> int:
    """Return the end of ``lines[:end]`` once its trailing blank lines are left out."""
    while end > 0 and not lines[end - 1].strip():
        end -= 1
    return end


def _is_closing(line: str) -> bool:
    """Tell whether ``line`` is a closing, alone or followed by a name ("Thanks, Ada")."""
    text = _plain(line)
    if CLOSING_RE.match(text):
        return True
    head, comma, name = text.partition(",")
    return bool(comma) and bool(CLOSING_RE.match(head)) and _looks_like_name(name)


def _is_name(line: str, names: tuple[str, ...]) -> bool:
    return _is_own_name(line, names) or _looks_like_name(_plain(line))


def _is_own_name(line: str, names: tuple[str, ...]) -> bool:
    """Tell whether ``line`` is the writer's name, first name or initials."""
    text = _plain(line).casefold().rstrip(".")
    if not text:
        return False
    for name in filter(None, (clean(n).casefold() for n in names)):
        words = name.split()
        initials = "".join(w[0] for w in words)
        if text in (name, words[0], initials, ".".join(initials)):
            return True
    return False


def _looks_like_name(text: str) -> bool:
    """Tell whether ``text`` reads as a name: a few capitalised words, no digits or colons."""
    text = text.strip()
    words = text.split()
    if not words or len(text) > MAX_NAME_CHARS or len(words) > MAX_NAME_WORDS:
        return False
    if re.search(r"[\d:@/?!]", text):
        return False
    return all(_name_word(w) for w in words) and any(_capitalised(w) for w in words)


def _name_word(word: str) -> bool:
    """Tell whether ``word`` may stand in a name: capitalised, uncased script or a particle."""
    core = word.strip("()[]'\".,&")
    return not core or core.casefold() in NAME_PARTICLES or _capitalised(core)


def _capitalised(word: str) -> bool:
    """Tell whether a word starts with a capital (or a letter of a script without case)."""
    core = word.strip("()[]'\".,&")
    return bool(core) and core[0].isalpha() and not core[0].islower()


def _plain(line: str) -> str:
    """Return a line without its bullet-like lead ("- Ada", "— Ada") and outer spaces."""
    return clean(line).lstrip("-–—~* ").strip()
