"""Dates as people type them in replies: absolute, numeric and relative to the sender's today."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import zoneinfo
from dataclasses import dataclass

from models import clock

#: Month names and abbreviations people use, mapped to the month number.
MONTHS = {
    **{name.lower(): i for i, name in enumerate(calendar.month_name) if name},
    **{name.lower(): i for i, name in enumerate(calendar.month_abbr) if name},
    "sept": 9,
}
#: Weekday names, Monday first, as ``datetime.date.weekday`` counts them.
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
#: Number words accepted in "in two weeks".
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "a few": 3,
}  # fmt: skip
#: Days back a yearless date may lie before it is read as next year's.
YEARLESS_PAST_DAYS = 90

_MON = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = "|".join(WEEKDAYS)
_NUM = "|".join(w.replace(" ", r"\s+") for w in sorted(NUMBER_WORDS, key=len, reverse=True))
_END = r"(?![\w])"
DATE_RE = re.compile(
    rf"""
    (?<![\w./-])(?P<iy>\d{{4}})[-/.](?P<im>\d{{1,2}})[-/.](?P<id>\d{{1,2}})(?!\d|[./-]\d)
  | (?<![\w./-])(?P<na>\d{{1,2}})(?P<ns>[./-])(?P<nb>\d{{1,2}})(?P=ns)(?P<ny>\d{{4}}|\d{{2}})
    (?!\d|[./-]\d)
  | \b(?:by|on|due|until|till|before|eta|deadline)\s*:?\s+
    (?P<sa>\d{{1,2}})/(?P<sb>\d{{1,2}})(?!\d|[./-]\d)
  | \b(?P<mid>mid|the\s+end\s+of|end\s+of)[\s-]+(?P<mm>{_MON})\.?{_END}
  | \b(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?[\s-]*(?P<dm>{_MON})\.?{_END}
    (?:,?[\s-]*(?P<dy>\d{{4}})\b)?
  | \b(?P<md>{_MON})\.?\s+(?P<mdd>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)(?:,?\s*(?P<mdy>\d{{4}})\b)?
  | \b(?P<rel>today|tonight|eod|end\s+of\s+(?:the\s+)?day|(?:the\s+)?day\s+after\s+tomorrow
        |tomorrow|tmrw)\b
  | \b(?P<end>eow|eom|eoy|(?:the\s+)?end\s+of\s+(?:the\s+)?(?P<endwhich>this\s+|next\s+)?
        (?P<endunit>week|month|year))\b
  | \b(?P<nextu>next\s+(?:week|month))\b(?!\s+(?:{_DAY}))
  | \b(?:(?P<wq>next|this|coming)\s+)?(?P<wd>{_DAY})(?P<wnw>\s+next\s+week)?\b
  | \bnext\s+week\s+(?P<nwd>{_DAY})\b
  | \b(?:in|within)\s+(?P<in>\d{{1,3}}|{_NUM})\s+(?P<inu>day|week|fortnight|month)s?\b
  | \b(?P<fn>\d{{1,3}}|{_NUM})\s+(?P<fnu>day|week|month)s?\s+from\s+(?:now|today)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
#: A word just before a date that makes a lowercase "may" the month ("by 3 may").
KEYWORD_BEFORE_RE = re.compile(r"\b(?:by|on|due|until|till|before|from|since)\s*:?\s*$", re.I)
#: Words that may come before a date without changing it.
LEAD_RE = re.compile(
    r"^(?:(?:by|on|due|due\s+date|until|till|before|deadline|new\s+date|date|for)\b\s*:?\s*)+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateMatch:
    """One date found in a text: where it is, the day it means, or why it is not a day."""

    start: int
    end: int
    date: dt.date | None
    problem: str = ""


def local_today(timezone: str = "UTC") -> dt.date:
    """Return today's date in ``timezone`` (UTC when the zone is unknown) by Tandem's clock."""
    utc = clock.now().replace(tzinfo=dt.UTC)
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        zone = dt.UTC
    return utc.astimezone(zone).date()


def parse_date(text: str, *, today: dt.date, timezone: str = "UTC") -> dt.date | None:
    """Return the date ``text`` names as a whole (``today`` is the sender's), or None."""
    del timezone  # ``today`` is already the sender's local date
    if not isinstance(text, str):
        return None
    # A leading "on" lets the forms that need a keyword ("15/1", "3 may") read as dates.
    probe = "on " + LEAD_RE.sub("", " ".join(text.split())).strip(" .,;!")
    found = find_dates(probe, today)
    if len(found) == 1 and found[0].end == len(probe) and found[0].start in (0, 3):
        return found[0].date
    return None


def find_dates(text: str, today: dt.date) -> list[DateMatch]:
    """Return every date in ``text``, in order, with a problem for ones that cannot exist."""
    return list(_find_dates(text, today))


@functools.lru_cache(maxsize=1024)
def _find_dates(text: str, today: dt.date) -> tuple[DateMatch, ...]:
    """Find the dates in ``text`` (cached: one reply line is searched by several readers)."""
    found = []
    for match in DATE_RE.finditer(text):
        if _may_the_verb(text, match):
            continue
        start = match.start("sa") if match.group("sa") else match.start()
        try:
            day = _resolve(match, today)
        except (ValueError, OverflowError):
            day = None
        if day is None:
            words = match.group(0).strip()
            found.append(DateMatch(start, match.end(), None, f'"{words}" is not a real date'))
        else:
            found.append(DateMatch(start, match.end(), day))
    return tuple(found)


def _may_the_verb(text: str, match: re.Match) -> bool:
    """Tell whether a lowercase "may" is the verb ("item 3 may slip"), not the month."""
    if "may" not in (match.group("md"), match.group("dm")) or match.group("dy"):
        return False
    return match.group("md") == "may" or not KEYWORD_BEFORE_RE.search(text[: match.start()])


def _resolve(m: re.Match, today: dt.date) -> dt.date | None:
    """Turn one match of DATE_RE into a date (raise ValueError for a day that cannot exist)."""
    g = m.groupdict()
    if g["iy"]:
        return dt.date(int(g["iy"]), int(g["im"]), int(g["id"]))
    if g["na"]:
        day, month = _day_month(int(g["na"]), int(g["nb"]))
        return dt.date(_full_year(g["ny"]), month, day)
    if g["sa"]:
        day, month = _day_month(int(g["sa"]), int(g["sb"]))
        return _yearless(today, month, day)
    if g["mm"]:
        month = MONTHS[g["mm"].lower()]
        day = 15 if g["mid"].lower() == "mid" else 31
        return _yearless(today, month, min(day, _month_days(today.year, month)))
    if g["dm"]:
        return _dated(today, MONTHS[g["dm"].lower()], int(g["dd"]), g["dy"])
    if g["md"]:
        return _dated(today, MONTHS[g["md"].lower()], int(g["mdd"]), g["mdy"])
    return _relative(g, today)


def _relative(g: dict, today: dt.date) -> dt.date:
    """Resolve the relative forms: today, tomorrow, weekdays, ends of periods, "in N weeks"."""
    if g["rel"]:
        word = g["rel"].lower()
        if "after" in word:
            return today + dt.timedelta(days=2)
        return today + dt.timedelta(days=1 if word.startswith(("tom", "tmrw")) else 0)
    if g["end"]:
        return _end_of(g, today)
    if g["nextu"]:
        if g["nextu"].lower().endswith("week"):
            return today + dt.timedelta(days=7 - today.weekday())
        return _add_months(today.replace(day=1), 1)
    if g["wd"] or g["nwd"]:
        return _weekday(g, today)
    count, unit = (g["in"], g["inu"]) if g["in"] else (g["fn"], g["fnu"])
    count = NUMBER_WORDS.get(" ".join(count.lower().split())) or int(count)
    unit = unit.lower()
    if unit == "month":
        return _add_months(today, count)
    return today + dt.timedelta(days=count * {"day": 1, "week": 7, "fortnight": 14}[unit])


def _weekday(g: dict, today: dt.date) -> dt.date:
    """Return the weekday meant: "Friday" on or after today, "next Friday" strictly after."""
    if g["nwd"] or g["wnw"]:
        monday = today + dt.timedelta(days=7 - today.weekday())
        return monday + dt.timedelta(days=WEEKDAYS[(g["nwd"] or g["wd"]).lower()])
    ahead = (WEEKDAYS[g["wd"].lower()] - today.weekday()) % 7
    if ahead == 0 and (g["wq"] or "").lower() in ("next", "coming"):
        ahead = 7
    return today + dt.timedelta(days=ahead)


def _end_of(g: dict, today: dt.date) -> dt.date:
    """Return the last working day of the week, or the last day of the month or year."""
    word = g["end"].lower()
    unit = (g["endunit"] or {"eow": "week", "eom": "month", "eoy": "year"}.get(word, "")).lower()
    later = (g["endwhich"] or "").strip().lower() == "next"
    if unit == "week":
        friday = today + dt.timedelta(days=(4 - today.weekday()) % 7)
        if today.weekday() > 4:
            friday = today
        return friday + dt.timedelta(days=7 * later)
    if unit == "year":
        return dt.date(today.year + later, 12, 31)
    month = _add_months(today.replace(day=1), 1 if later else 0)
    return month.replace(day=_month_days(month.year, month.month))


def _dated(today: dt.date, month: int, day: int, year: str | None) -> dt.date:
    """Return a day-and-month date, in ``year`` when given."""
    if year:
        return dt.date(int(year), month, day)
    return _yearless(today, month, day)


def _yearless(today: dt.date, month: int, day: int) -> dt.date:
    """Return the date this year, or next year when it lies long past (leap days allowed)."""
    if not 1 <= month <= 12 or not 1 <= day <= 31 or day > _month_days(2024, month):
        raise ValueError("no such day")
    for year in range(today.year, today.year + 4):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue  # 29 February outside a leap year
        if candidate >= today - dt.timedelta(days=YEARLESS_PAST_DAYS):
            return candidate
    raise ValueError("no such day")


def _day_month(first: int, second: int) -> tuple[int, int]:
    """Read two numbers as (day, month): day first, unless only month-first can be right."""
    if first <= 12 < second:
        return second, first
    return first, second


def _full_year(text: str) -> int:
    """Return a four-digit year from two or four digits."""
    return int(text) + 2000 if len(text) == 2 else int(text)


def _month_days(year: int, month: int) -> int:
    """Return the number of days in a month."""
    return calendar.monthrange(year, month)[1]


def _add_months(day: dt.date, months: int) -> dt.date:
    """Return ``day`` moved by whole months, kept inside the target month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, _month_days(year, month + 1)))


def take_due(
    text: str, today: dt.date, keywords: re.Pattern, label: str
) -> tuple[dt.date | None, str, list[str]]:
    """Find the first date ``keywords`` introduce in ``text``: (date, rest of text, problems).

    ``label`` names the date in a problem, e.g. "the due date ... is in the past".
    """
    for found in find_dates(text, today):
        keyword = keywords.search(text[: found.start])
        if keyword is None:
            continue
        rest = text[: keyword.start()] + " " + text[found.end :]
        if found.date is None:
            return None, rest, [found.problem]
        if found.date < today:
            return None, rest, [f"{label} {found.date.day} {found.date:%B %Y} is in the past"]
        return found.date, rest, []
    return None, text, []
