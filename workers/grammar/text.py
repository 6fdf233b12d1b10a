"""Line helpers shared by the reply and notes grammars: clean, unbullet, collapse."""

from __future__ import annotations

import re
import unicodedata

#: Invisible characters some mail clients leave in text.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"), None)
#: Bullets people put before a line: "-", "*", "•", "[ ]" and friends (not numbers).
BULLET_RE = re.compile(r"^(?:[-*+]\s+|[•·‣◦▪►▸–—]\s*|\[[ xX✓]?\]\s*)+")
#: Numbered-list markers ("1.", "1)", "(1)") used as bullets in notes.
NUMBERED_RE = re.compile(r"^\(?\d{1,3}[.)]\s+")
#: A line with letters or digits in it (not just punctuation or emoji).
WORDY_RE = re.compile(r"\w")
#: Short thanks that carry no meaning of their own at the end of an answer.
THANKS_RE = re.compile(
    r"^(?:thanks?(?:\s+you)?|thx|ty|cheers|merci|danke|gracias|obrigad[oa]|grazie)\W*$",
    re.IGNORECASE,
)


def clean(line: str) -> str:
    """Return ``line`` normalised for matching: compatibility forms, no invisibles, one space."""
    text = unicodedata.normalize("NFKC", line).translate(INVISIBLE)
    text = text.replace("\u2212", "-").replace("’", "'")
    return " ".join(text.split())


def unbullet(line: str, *, numbers: bool = False) -> str:
    """Return ``line`` without its leading bullet (and list number when ``numbers``)."""
    text = BULLET_RE.sub("", line)
    if numbers:
        text = NUMBERED_RE.sub("", text)
    return text.strip()


def is_quoted(line: str) -> bool:
    """Tell whether ``line`` is quoted history ("> ..."), which is never read."""
    return line.lstrip().startswith(">")


def leftover(text: str) -> str:
    """Return a reason or remark with separators trimmed, or "" when nothing meaningful is left."""
    text = re.sub(r"[^\w)\]\"'%?!.]+$", "", text).strip(" \t,;:.-–—=>|/")
    if not WORDY_RE.search(text) or THANKS_RE.match(text):
        return ""
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1].strip()
    return text


def collapse(lines: list[str]) -> str:
    """Join kept lines, collapsing runs of blank lines into one and trimming the ends."""
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if line.strip() or (out and out[-1]):
            out.append(line if line.strip() else "")
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
