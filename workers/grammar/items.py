"""Action-item answers in replies: "2 done", "3 60% waiting on HR", "1 blocked: budget"."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from workers.grammar.dates import find_dates, take_due
from workers.grammar.text import leftover

#: Words people put before a status without changing it ("is done", "now 60%").
_FILLERS = r"(?:(?:is|are|now|already|still|has\s+been|have\s+been|was|been|it's|it\s+is|-)\s+)*"
#: A status at the start of a text; each named group is one kind of status.
STATUS_RE = re.compile(
    rf"""^{_FILLERS}(?:
      (?P<notyet>not\s+(?:yet\s+)?(?:done|started|finished|completed?)|not\s+yet)\b
    | (?P<pct>\d{{1,3}}(?:[.,]\d+)?)\s*(?:%|per\s?cent\b|pct\b)
      (?:\s+(?:done|completed?|finished|through|there)\b)?
    | (?P<blocked>blocked|stuck|on\s+hold|blocker|halted|can'?t\s+proceed|cannot\s+proceed
        |bloqu[ée]e?|blockiert|bloqueado|bloccato|geblokkeerd)\b
    | (?P<done>done|completed?|finished|closed|resolved|delivered|fixed|erledigt|fertig|fait
        |termin[ée]e?|hecho|listo|terminado|feito|conclu[ií]do|fatto|klaar|gedaan)\b
    | (?P<check>[✓✔✅☑]\ufe0f?)
    | (?P<open>in\s+progress|ongoing|on-going|under\s?way|started|working\s+on\s+it|on\s+track
        |still\s+open|open|re-?opened|pending|wip|to\s?do|en\s+cours|in\s+arbeit|en\s+curso
        |en\s+progreso|em\s+andamento|in\s+corso|bezig)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
#: Words just before a date that make it the item's new due date.
DUE_KW_RE = re.compile(
    r"""(?:\b(?:by|due(?:\s+date)?(?:\s+is)?|new\s+(?:due\s+)?date(?:\s+is)?|new\s+deadline
      |deadline(?:\s+is)?|(?:moved|postponed|pushed(?:\s+back)?|delayed|rescheduled|extended)\s+to
      |expected\s+by|eta|(?:will|should|to)\s+be\s+(?:done|finished|completed?|ready)\s+(?:by|on)
      |(?:done|finished|completed?|ready)\s+by))\s*:?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
#: The number(s) an answer starts with: "2", "#2", "item 2:", "1, 2 and 3", "2)".
NUMBERS_RE = re.compile(
    r"""^(?:re:?\s+)?(?P<kw>(?:action\s+)?(?:item|task|action|point|no\.?|nr\.?|number|n°)s?\s*)?
    (?P<hash>\#)?\s*(?P<nums>\d{1,3}(?:\s*(?:,|&|\+|and)\s*\#?\d{1,3})*)
    (?P<sep>\s*[:\-–—=]\s*|[.)]\s+|[.)]$|\s+|$)""",
    re.IGNORECASE | re.VERBOSE,
)
#: Where a line with several answers splits: ";" or ", " before the next item number.
SPLIT_RE = re.compile(r";\s*|,\s*(?=(?:item\s*|#)?\d{1,3}\b(?![/.:]\d))", re.IGNORECASE)
#: What may follow a status with no item number before the rest is read as its reason.
BARE_TAIL_RE = re.compile(r"^(?:$|\s*[,:;.!\-–—(])")
#: Extra openers allowed after "blocked" with no item number ("blocked by legal").
BLOCKED_TAIL_RE = re.compile(r"^\s+(?:by|on|because|due\s+to|waiting|until|as|since|pending)\b")
#: Words that open a reason after any numberless status ("60% waiting on HR", "done but late").
REASON_TAIL_RE = re.compile(
    r"""^\s+(?:waiting|awaiting|pending|because|cause|due\s+to|since|until|till|but|except
      |only|just|still|needs?|needed|needing|left|remaining|the\s+rest|rest\s+(?:is|next)
      |apart\s+from|other\s+than)\b""",
    re.IGNORECASE | re.VERBOSE,
)
#: Openers saying an answer is about every open item ("all done").
ALL_RE = re.compile(
    r"^(?:all|everything|all\s+items|all\s+of\s+them|both)\s+(?:(?:is|are)\s+)?", re.IGNORECASE
)
#: Openers naming the one item with no number ("it's done", "task completed").
SUBJECT_RE = re.compile(
    r"^(?:(?:the\s+)?(?:item|task|action)\s+(?:is\s+)?|it's\s+|it\s+is\s+|this\s+is\s+)",
    re.IGNORECASE,
)


@dataclass
class ItemUpdate:
    """What a reply says about one action item."""

    number: int | None
    status: str  # "done" | "percent" | "blocked" | "open"
    percent: int | None
    reason: str
    due: dt.date | None
    line: str


@dataclass
class Status:
    """A status phrase read from text; ``status`` is None when only a new date was given."""

    status: str | None
    percent: int | None = None
    reason: str = ""
    due: dt.date | None = None
    problems: list[str] = field(default_factory=list)


def read_numbered(text: str, today: dt.date) -> list[tuple[list[int], Status | None, bool]]:
    """Read "2 done"-style answers in ``text``: (numbers, status or None, explicit) per answer."""
    parts = [p for p in SPLIT_RE.split(text) if p.strip()]
    if len(parts) > 1:
        read = [_read_one(part, today) for part in parts]
        if all(r and r[1] for r in read):
            return read
    one = _read_one(text, today)
    return [one] if one else []


def read_bare(text: str, today: dt.date) -> tuple[Status, bool] | None:
    """Read a status given with no item number ("done", "all done"): (status, about all items)."""
    every = ALL_RE.match(text)
    rest = text[every.end() :] if every else SUBJECT_RE.sub("", text)
    status = read_status(rest, today, bare=True)
    return (status, bool(every)) if status else None


def read_status(text: str, today: dt.date, *, bare: bool = False) -> Status | None:
    """Read the status phrase ``text`` starts with, its new due date and its reason."""
    match = STATUS_RE.match(text)
    if match is None:
        return _due_only(text, today)
    tail = text[match.end() :]
    if bare and not _bare_tail_ok(match, tail, today):
        return None
    status = _status_of(match)
    if status.status == "done" and _due_at_start(tail, today):
        due_only = _due_only(text, today)
        if due_only and due_only.due and due_only.due >= today:
            return due_only  # "done by Friday" is a promise, not news
        tail = ""  # "done by 3 Nov": when it was finished
    due, tail, problems = _take_due(tail, today)
    status.due, status.problems = due, status.problems + problems
    status.reason = leftover(re.sub(r"^[\s✓✔✅☑\ufe0f]*(?:done\b)?", "", tail, flags=re.I))
    return status


def _read_one(text: str, today: dt.date) -> tuple[list[int], Status | None, bool] | None:
    """Read one numbered answer, trying a single number when a list of them does not fit."""
    match = NUMBERS_RE.match(text)
    if match is None:
        return None
    numbers = [int(n) for n in re.findall(r"\d+", match.group("nums"))]
    explicit = bool(match.group("kw") or match.group("hash") or match.group("sep").strip())
    status = read_status(text[match.end() :], today)
    if status is None and len(numbers) > 1:
        first = re.match(r"\d+", match.group("nums"))
        status = read_status(text[match.start("nums") + first.end() :].lstrip(" ,:-"), today)
        numbers = numbers[:1] if status else numbers
    return numbers, status, explicit


def _status_of(match: re.Match) -> Status:
    """Turn the matched status word into a Status (percent checked to be 0..100)."""
    if match.group("pct"):
        value = round(float(match.group("pct").replace(",", ".")))
        if value > 100:
            return Status(None, problems=[f"{value}% is more than 100%"])
        return Status("done", 100) if value == 100 else Status("percent", value)
    if match.group("blocked"):
        return Status("blocked")
    if match.group("done") or match.group("check"):
        return Status("done")
    return Status("open")


def _bare_tail_ok(match: re.Match, tail: str, today: dt.date) -> bool:
    """Tell whether what follows a numberless status leaves it clearly a status."""
    if BARE_TAIL_RE.match(tail) or not leftover(tail) or _due_at_start(tail, today):
        return True
    if REASON_TAIL_RE.match(tail):
        return True
    return bool(match.group("blocked")) and bool(BLOCKED_TAIL_RE.match(tail))


def _due_only(text: str, today: dt.date) -> Status | None:
    """Read an answer that only gives a new date ("by 15 Jan", "moved to next Friday")."""
    if not _due_at_start(text, today):
        return None
    due, tail, problems = _take_due(text, today)
    if due is None and not problems:
        return None
    return Status(None, due=due, reason=leftover(tail), problems=problems)


def _due_at_start(text: str, today: dt.date) -> bool:
    """Tell whether ``text`` opens with a due phrase followed by a date."""
    for found in find_dates(text, today):
        keyword = DUE_KW_RE.search(text[: found.start])
        return bool(keyword) and not text[: keyword.start()].strip(" ,:;-–—")
    return False


def _take_due(text: str, today: dt.date) -> tuple[dt.date | None, str, list[str]]:
    """Find the first due phrase in ``text``: (date, text without it, problems)."""
    return take_due(text, today, DUE_KW_RE, "the new date")
