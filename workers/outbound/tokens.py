"""Signed reply addresses: who an email went to and what a reply to it is about."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from models import clock

#: Short codes for the objects a reply can answer, kept stable: they live in sent addresses.
OBJECT_CODES = {
    "cycle": "c",
    "item": "a",
    "session": "s",
    "assignment": "g",
    "email": "e",
    "notes": "n",
    "assessment": "q",
    "orientation": "t",
    "pair": "p",  # a mentoring pair's or group's sessions, plan and goals
    "relay": "m",  # a message to pass on to the rest of a mentoring pair or group
    "occurrence": "o",  # feedback after one mentoring session
    "review": "r",  # a facilitator's score and feedback on one submission
    "riskflag": "f",  # what came of an at-risk flag's intervention
    "selfcheck": "k",  # one self-assessment questionnaire
    "materials": "d",  # "done module 3": a participant's materials of one programme
    "headcount": "h",  # who attended one session, from its facilitator or mentor
    "survey": "v",  # one person's answer to one survey
}
CODE_OBJECTS = {v: k for k, v in OBJECT_CODES.items()}

#: Hex digits of the HMAC kept in an address (64 bits).
SIG_LEN = 16

EPOCH = dt.date(2020, 1, 1)
REPLY_RE = re.compile(r"^reply\+(\d+)-([a-z])-(\d+)-([0-9a-z]+)-([0-9a-f]+)$")
BOUNCE_RE = re.compile(r"^bounce\+(\d+)-([0-9a-f]+)$")


class TokenError(ValueError):
    """Base for reply-token problems."""


class InvalidToken(TokenError):
    """The token is malformed or its signature does not match."""


class ExpiredToken(TokenError):
    """The token was valid but its expiry date has passed; ``token`` is what it says."""

    def __init__(self, message: str, token: ReplyToken | None = None) -> None:
        super().__init__(message)
        self.token = token


@dataclass(frozen=True)
class ReplyToken:
    """What a signed reply address says: recipient, object and expiry day."""

    person_id: int
    object_type: str
    object_id: int
    expires: dt.date


def _sign(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return digest[:SIG_LEN]


def _signed_by_any(keys: str | Sequence[str], payload: str, sig: str) -> bool:
    """Tell whether ``sig`` signs ``payload`` under one of ``keys`` (the current key first,
    then the previous ones, so addresses sent before a key change keep working)."""
    keys = (keys,) if isinstance(keys, str) else keys
    return any(hmac.compare_digest(sig, _sign(key, payload)) for key in keys)


def _b36(number: int) -> str:
    # A negative number would never reach zero by floor division: refuse it.
    if number < 0:
        raise ValueError(f"cannot write {number} in base 36: it is negative")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rem = divmod(number, 36)
        out = digits[rem] + out
        if not number:
            return out


def make_reply_address(
    secret: str, domain: str, person_id: int, object_type: str, object_id: int, days: int
) -> str:
    """Return ``reply+<token>@domain`` for this recipient and object, valid for ``days``."""
    expires = (clock.now().date() - EPOCH).days + days
    if expires < 0:  # a clock set before 2020 (the addresses' epoch)
        raise TokenError(f"a reply address cannot expire before {EPOCH.isoformat()}")
    payload = f"{person_id}-{OBJECT_CODES[object_type]}-{object_id}-{_b36(expires)}"
    return f"reply+{payload}-{_sign(secret, payload)}@{domain}"


def parse_reply_address(keys: str | Sequence[str], address: str) -> ReplyToken:
    """Check a reply address's signature (under any of ``keys``) and expiry; raise a
    TokenError when it fails."""
    local = address.strip().lower().split("@", 1)[0]
    match = REPLY_RE.match(local)
    if not match:
        raise InvalidToken(f"not a Tandem reply address: {address!r}")
    person_id, code, object_id, expires36, sig = match.groups()
    payload = f"{person_id}-{code}-{object_id}-{expires36}"
    if not _signed_by_any(keys, payload, sig) or code not in CODE_OBJECTS:
        raise InvalidToken("reply address signature does not match")
    expires = EPOCH + dt.timedelta(days=int(expires36, 36))
    token = ReplyToken(int(person_id), CODE_OBJECTS[code], int(object_id), expires)
    if clock.now().date() > expires:
        raise ExpiredToken(f"reply address expired on {expires.isoformat()}", token)
    return token


def make_bounce_address(secret: str, domain: str, email_id: int) -> str:
    """Return the VERP return path for outbound email ``email_id``."""
    payload = str(email_id)
    return f"bounce+{payload}-{_sign(secret, 'bounce' + payload)}@{domain}"


def parse_bounce_address(keys: str | Sequence[str], address: str) -> int | None:
    """Return the outbound email id a VERP address names (signed under any of ``keys``), or
    None if it is not ours."""
    match = BOUNCE_RE.match(address.strip().lower().split("@", 1)[0])
    if not match:
        return None
    email_id, sig = match.groups()
    if not _signed_by_any(keys, "bounce" + email_id, sig):
        return None
    return int(email_id)


def find_token_addresses(addresses: list[str]) -> list[str]:
    """Return the addresses that look like Tandem reply addresses."""
    return [a for a in addresses if a.strip().lower().startswith("reply+")]
