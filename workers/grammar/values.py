"""Metric values, ratings and yes/no answers in replies."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

#: "name [is|:|=] value [unit] [rest]", the shape of a metric reading.
METRIC_RE = re.compile(
    r"""^(?P<name>.*?[^\W\d_].*?)
    (?:\s*[:=]\s*|\s*[-–—]\s+|\s+)(?:(?:is|was|now|currently|at|of|this\s+month)\s+)*
    (?P<cur>[$€£]\s*)?(?P<value>[-+]?\d+(?:[.,]\d+)*)(?!\s*[/:]\s*\d)
    \s*(?P<unit>%|percent\b|pct\b|[$€£]|[^\W\d_]{1,12}\b)?(?P<rest>.*)$""",
    re.IGNORECASE | re.VERBOSE,
)
#: Where a line with several readings splits: ";" or ", " before a word.
METRIC_SPLIT_RE = re.compile(r";\s*|,\s+(?=[^\W\d_])")
#: How close a misspelt metric name must be to count (difflib ratio).
FUZZY_RATIO = 0.85
#: "4/5", "4 out of 5", "8/10".
RATING_RE = re.compile(r"(?<![\d/.])(\d{1,3}(?:[.,]\d)?)\s*(?:/|out\s+of\b)\s*(\d{1,3})(?![\d/])")
#: Words saying a number is a rating.
RATING_KW_RE = re.compile(
    r"\b(?:rating|rate|rated|score|scored|grade|give\s+it|gave\s+it|i'?d\s+say)\b\s*:?\s*",
    re.IGNORECASE,
)
#: What may follow a rating that opens a line ("4/5, great session").
RATING_TAIL_RE = re.compile(r"\s*(?:$|[,;.!\-–—(])")
#: Scales a rating may be out of.
SCALES = (5, 7, 10)
#: Words between a metric's name and its value that say nothing ("NPS went up to 42").
NAME_FILLERS = frozenset(
    "is was now currently at of this month week quarter so far to up down went rose fell "
    "dropped increased decreased stands stood reached by".split()
)
#: Answers meaning yes, first words of a line.
YES_RE = re.compile(
    r"""^(?:yes|yep|yeah|yup|ya|sure|ok|okay|absolutely|definitely|certainly|of\s+course
    |confirmed|i\s+confirm|count\s+me\s+in|i'?ll\s+be\s+there|i\s+will\s+be\s+there
    |i'?ll\s+attend|i\s+will\s+attend|will\s+attend|attending|accepted?|oui|ja|s[ií]|sim|da|tak
    |👍|👌)(?=$|[\s,.!:;)\-–—])""",
    re.IGNORECASE | re.VERBOSE,
)
#: Answers meaning no, first words of a line.
NO_RE = re.compile(
    r"""^(?:no|nope|nah|not\s+attending|can'?t\s+make\s+it|cannot\s+make\s+it|can'?t\s+attend
    |cannot\s+attend|i\s+won'?t\s+(?:be\s+able\s+to\s+)?(?:attend|make\s+it|come)
    |unfortunately\s+not|sorry,?\s+no|declined?|non|nein|nee|n[ãa]o|nie|👎)
    (?=$|[,.!:;)\-–—]|\s+(?:i|we|sorry|thanks?|thank|unfortunately)\b)""",
    re.IGNORECASE | re.VERBOSE,
)
#: Single letters that answer only when they are the whole line.
LETTER_RE = re.compile(r"^(?P<y>y)$|^(?P<n>n)$", re.IGNORECASE)


@dataclass
class MetricReading:
    """One metric value a reply gives."""

    name: str
    value: float
    unit: str
    line: str


def read_metrics(text: str, names: list[str]) -> tuple[list[tuple[str, float, str]], bool, str]:
    """Read metric values in ``text``: (name, value, unit) each, whether all was read, problem."""
    if not names or not any(c.isdigit() for c in text):
        return [], False, ""
    parts = [p for p in METRIC_SPLIT_RE.split(text) if p.strip()]
    if len(parts) > 1:
        read = [_read_metric(part, names) for part in parts]
        if all(r[0] and r[1] for r in read):
            return [r[0] for r in read], True, ""
    reading, whole, problem = _read_metric(text, names)
    return ([reading] if reading else []), whole, problem


def read_rating(text: str) -> tuple[tuple[float, float] | None, bool]:
    """Read a rating in ``text``: ((value, scale) or None, whether it was all the line said)."""
    keyword = RATING_KW_RE.search(text)
    match = RATING_RE.search(text, keyword.end() if keyword else 0)
    if match:
        value, scale = _number(match.group(1)), float(match.group(2))
        if int(scale) not in SCALES or not 0 <= value <= scale:
            return None, False
        others = text[: match.start()] + " " + text[match.end() :]
        others = others.replace(keyword.group(0), " ", 1) if keyword else others
        bare = not re.search(r"[^\W\d_]", others)
        opens = not text[: match.start()].strip(" -*•")
        leads = opens and RATING_TAIL_RE.match(text[match.end() :])
        return ((value, scale), bare) if keyword or bare or leads else (None, False)
    number = re.match(r"^(\d{1,3}(?:[.,]\d)?)\b\W*$", text[keyword.end() :] if keyword else "")
    if keyword and number and not text[: keyword.start()].strip(" -*•"):
        value = _number(number.group(1))
        scale = 5.0 if value <= 5 else 10.0 if value <= 10 else 100.0
        return ((value, scale), True) if value <= 100 else (None, False)
    return None, False


def read_answer(text: str) -> tuple[bool | None, str]:
    """Read a yes or no at the start of ``text``: (answer or None, the rest of the line)."""
    letter = LETTER_RE.match(text.strip())
    if letter:
        return bool(letter.group("y")), ""
    for regex, answer in ((NO_RE, False), (YES_RE, True)):
        match = regex.match(text)
        if match and re.match(r"no\.?\s*#?\d", text, re.I):
            continue  # "No. 2 done" names an item
        if match and not re.match(r"\s*(?:problem|worries|issue)", text[match.end() :], re.I):
            return answer, text[match.end() :].strip(" ,.!:;-–—")
    return None, text


def _read_metric(text: str, names: list[str]) -> tuple[tuple[str, float, str] | None, bool, str]:
    """Read one "name value unit" reading; the name must match one of ``names``."""
    match = METRIC_RE.match(text.strip())
    if match is None:
        return None, False, ""
    if re.search(r"\bfrom\s*$", match.group("name"), re.I):
        return None, False, ""  # "went from 9% to 7%": the first number is not the reading
    typed = _norm(match.group("name"))
    found = _match_name(typed, names)
    if isinstance(found, list):
        if found:
            return None, False, f'"{typed}" could be {" or ".join(found)}; please use the full name'
        return None, False, ""
    unit = (match.group("unit") or match.group("cur") or "").strip()
    rest = match.group("rest")
    if unit and not re.fullmatch(r"%|percent|pct|[$€£]", unit, re.I) and rest.strip(" .!"):
        rest, unit = unit + rest, ""  # "turnover 7 and falling": "and" is no unit
    unit = "%" if unit.lower() in ("%", "percent", "pct") else unit.lower()
    value = _number(match.group("value"))
    return (found, value, unit), not re.search(r"\w", rest), ""


def _match_name(typed: str, names: list[str]) -> str | list[str]:
    """Return the one metric name ``typed`` means, or the list of candidates (maybe empty)."""
    if len(typed) < 2:
        return []
    for tier in (
        [n for n in names if typed == _norm(n)],
        [n for n in names if typed in _aliases(n)],
    ):
        if len(set(tier)) == 1:
            return tier[0]
        if tier:
            return sorted(set(tier))
    close = []
    for name in names:
        for alias in _aliases(name):
            starts = len(typed) >= 3 and (alias.startswith(typed + " ") or alias.startswith(typed))
            within = set(typed.split()) <= set(alias.split())
            near = difflib.SequenceMatcher(None, typed, alias).ratio() >= FUZZY_RATIO
            if starts or within or near:
                close.append(name)
                break
    return close[0] if len(close) == 1 else close


def _aliases(name: str) -> set[str]:
    """Return the names a metric goes by: in full, without brackets, bracketed, initials."""
    full = _norm(name)
    inside = re.findall(r"\(([^)]*)\)", name)
    outside = _norm(re.sub(r"\([^)]*\)", " ", name))
    words = outside.split()
    initials = "".join(w[0] for w in words) if len(words) > 1 else ""
    return {a for a in (full, outside, initials, *map(_norm, inside)) if a}


def _norm(text: str) -> str:
    """Return a name lowercased, with punctuation and trailing filler words removed."""
    words = re.sub(r"[^\w%]+", " ", text.lower()).split()
    while words and words[-1] in NAME_FILLERS:
        words.pop()
    return " ".join(words)


def _number(text: str) -> float:
    """Return a typed number as a float: "6,5" is 6.5, "1,200" is 1200, "1.200,5" is 1200.5."""
    text = text.replace("+", "")
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in text:
        head, _, tail = text.rpartition(",")
        text = (
            text.replace(",", "")
            if len(tail) == 3 and text.count(",") >= 1
            else (head.replace(",", "") + "." + tail)
        )
    elif text.count(".") > 1:
        text = text.replace(".", "")
    return float(text)
