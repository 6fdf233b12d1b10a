"""Checks for the values a coordinator types or imports: each returns the value as stored.

Every check raises ``InvalidValue`` with the reason a coordinator reads beside the field or
the CSV line, so the page and the import say the same thing.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo

from models.programme import MEMBER_ROLES
from workers.mentoring.availability import AvailabilityError, parse_windows
from workers.workspace.errors import InvalidValue

#: A dot-atom local part and a domain of letter-digit-hyphen labels (RFC 5321, no quoting).
EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})"
)

#: Distinct values each repeated check remembers (a file repeats its zones and windows).
CACHED_VALUES = 4096

#: Longest address SMTP carries (RFC 5321 4.5.3.1.3: a 256-octet path less its brackets).
MAX_EMAIL_LENGTH = 254

#: Most mentees one mentor may take.
MAX_CAPACITY = 50

#: Session formats a mentor or mentee may prefer, with the spellings spreadsheets use.
FORMATS = {
    "one-to-one": "one-to-one",
    "one to one": "one-to-one",
    "1:1": "one-to-one",
    "1-1": "one-to-one",
    "1-to-1": "one-to-one",
    "individual": "one-to-one",
    "group": "group",
    "either": "either",
    "any": "either",
    "both": "either",
}

#: Weekday names as availability is stored ("Mon 16:00-18:00"), Monday first.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: A language tag such as "en", "pt-BR" or "zh-Hant" (BCP 47's common shapes).
LANGUAGE_TAG_RE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")

#: Language names people write in a spreadsheet instead of a tag.
LANGUAGE_NAMES = {
    "arabic": "ar",
    "chinese": "zh",
    "dutch": "nl",
    "english": "en",
    "french": "fr",
    "german": "de",
    "hindi": "hi",
    "italian": "it",
    "japanese": "ja",
    "korean": "ko",
    "polish": "pl",
    "portuguese": "pt",
    "russian": "ru",
    "spanish": "es",
    "swahili": "sw",
    "turkish": "tr",
    "welsh": "cy",
}

#: Cell values meaning "orientation done" without a date.
DONE_WORDS = ("done", "yes", "y", "true", "completed", "complete")

#: Cell values meaning yes in the Active column.
YES_WORDS = ("yes", "y", "true", "1", "active")

#: Cell values meaning no, in the Active and Orientation columns.
NO_WORDS = ("no", "n", "false", "0", "inactive", "deactivated", "not yet")


def normalize_email(value: str) -> str:
    """Return the address lower-cased, or raise if it is not a plain ``local@domain``."""
    address = value.strip().removeprefix("mailto:").lower()
    local, _, domain = address.rpartition("@")
    if domain and not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidValue(f"bad email syntax: {value.strip()!r}") from None
        address = f"{local}@{domain}"
    if len(address) > MAX_EMAIL_LENGTH or len(local) > 64 or not EMAIL_RE.fullmatch(address):
        raise InvalidValue(f"bad email syntax: {value.strip()!r}")
    return address


@functools.cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


@functools.lru_cache(maxsize=CACHED_VALUES)
def canonical_timezone(value: str) -> str:
    """Return the IANA name of the zone ``value`` names (any case), or raise."""
    key = "_".join(value.strip().split()).lower()
    name = _zone_names().get(key)
    if name is None:
        raise InvalidValue(f"unknown time zone {value.strip()!r} (use an IANA name: Europe/London)")
    return name


@functools.lru_cache(maxsize=CACHED_VALUES)
def normalize_language(value: str) -> str:
    """Return a language tag ("en", "pt-BR") for a tag or a common language name, or raise."""
    text = value.strip()
    if text.lower() in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[text.lower()]
    if not LANGUAGE_TAG_RE.fullmatch(text):
        raise InvalidValue(f"unknown language {text!r} (use a code such as en or pt-BR)")
    primary, *rest = text.replace("_", "-").split("-")
    return "-".join([primary.lower(), *(p.upper() if len(p) == 2 else p for p in rest)])


def split_list(value: str) -> tuple[str, ...]:
    """Split a semicolon-separated cell into its stripped, non-empty parts."""
    return tuple(part.strip() for part in value.split(";") if part.strip())


def parse_role(value: str) -> str:
    """Return the role ``value`` names (any case, singular or plural), or raise."""
    role = value.strip().lower()
    if role not in MEMBER_ROLES and role.endswith("s"):
        role = role[:-1]
    if role not in MEMBER_ROLES:
        raise InvalidValue(f"unknown role {value.strip()!r} (one of {', '.join(MEMBER_ROLES)})")
    return role


def parse_capacity(value: str) -> int:
    """Return how many mentees a mentor takes, a whole number from 0 to MAX_CAPACITY."""
    text = value.strip()
    if not text.isdigit() or int(text) > MAX_CAPACITY:
        raise InvalidValue(f"bad capacity {text!r}: a whole number from 0 to {MAX_CAPACITY}")
    return int(text)


def parse_format(value: str) -> str:
    """Return one-to-one, group or either for what a cell says, or raise."""
    found = FORMATS.get(" ".join(value.strip().lower().split()))
    if found is None:
        raise InvalidValue(f"bad format {value.strip()!r}: one-to-one, group or either")
    return found


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@functools.lru_cache(maxsize=CACHED_VALUES)
def parse_availability(value: str) -> str:
    """Return weekly windows ("Mon 16:00-18:00; Wed 15:00-17:00") in a standard form, or raise."""
    try:
        windows = parse_windows(value)
    except AvailabilityError as exc:
        raise InvalidValue(f"bad availability: {exc}") from None
    return "; ".join(f"{WEEKDAYS[w.day]} {_clock(w.start)}-{_clock(w.end)}" for w in windows)


def parse_orientation(value: str) -> tuple[bool, dt.date | None]:
    """Return (done, date) for "done", "no" or an ISO date (YYYY-MM-DD), or raise."""
    text = value.strip()
    if text.lower() in DONE_WORDS or text.lower() in NO_WORDS:
        return text.lower() in DONE_WORDS, None
    try:
        return True, dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"bad orientation {text!r}: done, no or a date (YYYY-MM-DD)") from None


def parse_active(value: str) -> bool:
    """Return whether an Active cell says yes or no, or raise."""
    text = value.strip().lower()
    if text in YES_WORDS or text in NO_WORDS:
        return text in YES_WORDS
    raise InvalidValue(f"bad active value {value.strip()!r}: yes or no")
