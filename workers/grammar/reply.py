"""The small, forgiving grammar for what people type when answering a Tandem email."""

from __future__ import annotations

import datetime as dt
import re

from workers.grammar.closings import strip_sign_off
from workers.grammar.dates import find_dates, local_today, parse_date
from workers.grammar.items import NUMBERS_RE, ItemUpdate, Status, read_bare, read_numbered
from workers.grammar.notes import NewItem, parse_notes
from workers.grammar.settle import Draft, ReplyFields, settle
from workers.grammar.text import clean, is_quoted, unbullet
from workers.grammar.values import MetricReading, read_answer, read_metrics, read_rating

__all__ = [
    "ItemUpdate", "MetricReading", "NewItem", "ReplyFields",
    "parse_date", "parse_notes", "parse_reply",
]  # fmt: skip

#: Longer lines are free text: nobody types a status that long, and it bounds the work per line.
MAX_LINE = 300


def parse_reply(
    text: str,
    *,
    timezone: str = "UTC",
    today: dt.date | None = None,
    open_items: list[int] | None = None,
    metric_names: list[str] | None = None,
    names: tuple[str, ...] = (),
) -> ReplyFields:
    """Read item statuses, metrics, a rating, yes/no and dates from a reply's own words.

    ``names`` are the writer's names: a last line holding one is a sign-off, as is a closing
    ("Thanks,", "Best regards") with the name under it; neither becomes the comment.
    """
    draft = Draft(today or local_today(timezone), open_items, list(metric_names or []))
    lines = strip_sign_off(text.splitlines(), names) if isinstance(text, str) else []
    for index, line in enumerate(lines):
        if not is_quoted(line) and not _read_line(draft, index, line):
            draft.kept[index] = line.rstrip()
    settle(draft)
    return draft.fields


def _read_line(draft: Draft, index: int, line: str) -> bool:
    """Read one line into ``draft``; return whether all of it was understood."""
    body = unbullet(clean(line))
    if not body or len(body) > MAX_LINE:
        return False
    answer, rest = read_answer(body)
    if answer is not None:
        draft.answers.append(answer)
        again, rest = read_answer(rest) if rest else (None, rest)  # "Yes, I'll attend"
        if not rest or again == answer:
            return True
        body = rest
    before = len(draft.fields.problems)
    if _read_items(draft, index, line, body):
        return True
    if len(draft.fields.problems) > before:
        return False  # an answer about an item that could not be applied: keep it as said
    understood = (
        _read_metrics(draft, index, line, body)
        or _read_rating(draft, body)
        or _read_dates(draft, body)
    )
    if not understood:
        _note_unclear(draft, line, body)
    return understood


def _read_items(draft: Draft, index: int, line: str, body: str) -> bool:
    """Read numbered or numberless item answers; return whether the line was all understood."""
    numbered = read_numbered(body, draft.today)
    if numbered and all(status for _, status, _ in numbered):
        results = [_add(draft, index, line, n, s) for ns, s, _ in numbered for n in ns]
        return all(results)
    bare = read_bare(body, draft.today)
    if bare is None:
        return False
    status, every = bare
    targets = _targets(draft, line, every)
    return bool(targets) and all([_add(draft, index, line, n, status) for n in targets])


def _note_unclear(draft: Draft, line: str, body: str) -> None:
    """Say so when a line marked as about an open item ("2:", "#2") had no status we know."""
    numbered = read_numbered(body, draft.today)
    if len(numbered) != 1 or numbered[0][1] or not numbered[0][2]:
        return
    if not re.search(r"[^\W\d_]", NUMBERS_RE.sub("", body, count=1)):
        return  # "Item #1" alone names an item but says nothing about it
    number = numbered[0][0][0]
    dates = find_dates(body, draft.today)
    known = draft.open_items is not None and number in draft.open_items
    if known and not (dates and dates[0].start == 0):  # "15. Jan" is a date, not item 15
        said = line.strip()
        draft.fields.problems.append(f'I could not tell what "{said}" says about item {number}.')


def _targets(draft: Draft, line: str, every: bool) -> list[int]:
    """Return the items a numberless answer is about, or note the problem and return none."""
    opened = draft.open_items
    if opened and (len(opened) == 1 or every):
        return list(dict.fromkeys(opened))
    said = line.strip()
    if opened is not None and not opened:
        draft.fields.problems.append(f'"{said}" looks like an item update, but no item is open.')
    else:
        listed = f" (you have {_join(opened)} open)" if opened else ""
        draft.fields.problems.append(
            f'I could not tell which item "{said}" is about{listed}; '
            'please start the line with the item number, like "2 done".'
        )
    return []


def _add(draft: Draft, index: int, line: str, number: int, status: Status) -> bool:
    """Record one item answer, or its problems; return whether it could be recorded."""
    problems = draft.fields.problems
    if not _is_open(draft, number) or (draft.open_items is None and number < 1):
        listed = f" (your open items are {_join(draft.open_items)})" if draft.open_items else ""
        problems.append(f'There is no open item {number}{listed}, so I ignored "{line.strip()}".')
        return False
    problems.extend(f"Item {number}: {problem}." for problem in status.problems)
    if status.status is None and status.due is None:
        return False
    update = ItemUpdate(
        number, status.status or "open", status.percent, status.reason, status.due, line.strip()
    )
    draft.updates.append((index, update, status.status is None))
    return True


def _read_metrics(draft: Draft, index: int, line: str, body: str) -> bool:
    """Read metric values; return whether the line held nothing else."""
    readings, whole, problem = read_metrics(body, draft.metric_names)
    if problem:
        draft.fields.problems.append(problem[0].upper() + problem[1:] + ".")
    for name, value, unit in readings:
        draft.readings.append((index, MetricReading(name, value, unit, line.strip())))
    return bool(readings) and whole


def _read_rating(draft: Draft, body: str) -> bool:
    """Read a rating; return whether the line held nothing else."""
    rating, whole = read_rating(body)
    if rating:
        draft.ratings.append(rating)
    return bool(rating) and whole


def _read_dates(draft: Draft, body: str) -> bool:
    """Collect the dates a line mentions; return whether the line was only a date."""
    for found in find_dates(body, draft.today):
        if found.date:
            draft.fields.dates.append(found.date)
        else:
            draft.fields.problems.append(found.problem[0].upper() + found.problem[1:] + ".")
    return parse_date(body, today=draft.today) is not None


def _is_open(draft: Draft, number: int) -> bool:
    """Tell whether ``number`` is an open item (any number when they are not known)."""
    return draft.open_items is None or number in draft.open_items


def _join(numbers: list[int] | None) -> str:
    """Return numbers as "1, 2 and 3"."""
    words = [str(n) for n in dict.fromkeys(numbers or [])]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)
