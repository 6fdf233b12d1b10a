"""Session notes: new action items ("- Do X @owner by date") and the decisions around them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from workers.grammar.dates import local_today, take_due
from workers.grammar.text import NUMBERED_RE, clean, collapse, is_quoted, unbullet

#: Headings that open a list of action items.
ACTION_HEAD_RE = re.compile(
    r"^(?:new\s+)?(?:action\s+items?|actions|next\s+steps|to-?dos?|tasks|follow-?ups?"
    r"|who\s+does\s+what)\s*:?$",
    re.IGNORECASE,
)
#: Any other heading ("Decisions:", "Key points"), which ends a list of action items.
HEAD_RE = re.compile(r"^[^\W\d_][\w &/'-]{0,40}:$|^#+\s|^\*\*[^*]+\*\*:?$")
#: Words that mark a line as an action item wherever it is ("Action: ...", "TODO - ...").
PREFIX_RE = re.compile(
    r"^(?:action(?:\s+item)?|ai|todo|to\s+do|task|next\s+step)\s*[:\-–—]\s*", re.IGNORECASE
)
#: An email address, optionally written "@john@example.org".
EMAIL_RE = re.compile(r"@?(?P<email>[\w.+'-]+@[\w-]+(?:\.[\w-]+)+)")
#: "owner: Mary", "assigned to John Smith", "(who: Ana)".
OWNER_RE = re.compile(
    r"\b(?:owner|owned\s+by|assigned\s+to|assignee|responsible|who|lead)\s*[:=\-–]?\s*"
    r"(?P<who>[^\W\d_][^,;()\[\]]*?)(?=\s*(?:[,;()\[\]]|\s[-–—]\s|\bdue\b|\bby\b|$))",
    re.IGNORECASE,
)
#: "@John Smith" or "@john": the first word, then capitalised words.
AT_NAME_RE = re.compile(
    r"(?<![\w.])@(?P<who>[^\W\d_][\w'.-]*(?:\s+(?!(?:By|Due|Before|On|Until)\b)[A-Z][\w'.-]*){0,3})"
)
#: "John to send the deck", "Mary Jones will call": a capitalised name opening the line.
NAME_TO_RE = re.compile(r"^(?P<who>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)\s+(?:to|will)\s+(?=\w)")
#: Words before a date that make it the due date.
DUE_KW_RE = re.compile(
    r"(?:\b(?:by|due(?:\s+date)?|deadline|before|until|till|no\s+later\s+than)|\()\s*:?\s*$",
    re.IGNORECASE,
)
#: A due phrase whose date could not be read ("due: someday").
DUE_WORDS_RE = re.compile(r"\b(?:due(?:\s+date)?|deadline)\s*:?\s*(?P<what>[^,;()]+)", re.I)


@dataclass
class NewItem:
    """An action item written in session notes, with what is missing from it."""

    title: str
    owner_ref: str  # email or name as typed, "" when none was given
    due: dt.date | None
    line: str
    problems: list[str] = field(default_factory=list)


def parse_notes(
    text: str, *, timezone: str = "UTC", today: dt.date | None = None
) -> tuple[list[NewItem], str]:
    """Return the action items in session notes and the remaining text (decisions, key points)."""
    today = today or local_today(timezone)
    items, kept, in_actions = [], [], False
    for line in text.splitlines() if isinstance(text, str) else []:
        if is_quoted(line):
            continue
        body = clean(line)
        bare = unbullet(body, numbers=True).strip("*_ ")
        if ACTION_HEAD_RE.match(bare.strip("#*_ ")):
            in_actions = True
            continue
        if HEAD_RE.match(body) or (not body and not in_actions):
            in_actions = False
        item = _read_item(body, today, in_actions) if body else None
        if item:
            items.append(item)
        else:
            kept.append(line.strip())
    return items, collapse(kept)


def _read_item(body: str, today: dt.date, in_actions: bool) -> NewItem | None:
    """Read one line as an action item when it is marked as one; None when it is not."""
    listed = body != unbullet(body) or bool(NUMBERED_RE.match(body))
    text = unbullet(body, numbers=True)
    prefix = PREFIX_RE.match(text)
    text = text[prefix.end() :] if prefix else text
    owner, text = _take_owner(text)
    due, text, problems = _take_due(text, today)
    if not (prefix or owner or (in_actions and (listed or due)) or (listed and due)):
        return None
    title = _tidy(text)
    said = f'"{title or body}"'
    problems = [f"{said}: {p}." for p in problems]
    if not title:
        problems.insert(0, f"An action item has no title: {said}.")
    if not owner:
        problems.append(f"{said} has no owner: who should do it?")
    if due is None and len(problems) == (not owner) + (not title):
        problems.append(f"{said} has no due date: by when?")
    return NewItem(title, owner, due, body, problems)


def _take_owner(text: str) -> tuple[str, str]:
    """Find the owner in ``text``: (email or name as typed, text without it)."""
    for regex in (EMAIL_RE, OWNER_RE, AT_NAME_RE, NAME_TO_RE):
        match = regex.search(text)
        if match:
            who = match.group("email" if regex is EMAIL_RE else "who").strip(" .")
            return who, text[: match.start()] + " " + text[match.end() :]
    return "", text


def _take_due(text: str, today: dt.date) -> tuple[dt.date | None, str, list[str]]:
    """Find the due date in ``text``: (date, text without the phrase, problems)."""
    due, rest, problems = take_due(text, today, DUE_KW_RE, "the due date")
    if due is not None or problems:
        return due, rest, problems
    unread = DUE_WORDS_RE.search(text)
    if unread:
        what = unread.group("what").strip()
        rest = text[: unread.start()] + " " + text[unread.end() :]
        return None, rest, [f'I could not read the due date "{what}"']
    return None, text, []


def _tidy(text: str) -> str:
    """Return an item title with leftover brackets, separators and spaces removed."""
    text = re.sub(r"\(\s*[,;:\-–—]*\s*\)|\[\s*\]", " ", text)
    text = " ".join(text.split())
    return text.strip(" ,;:-–—.()")
