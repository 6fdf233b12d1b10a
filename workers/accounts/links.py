"""Signed links in account emails: they name a row and carry a nonce whose hash the row keeps.

The signature (SECRET_KEY, a salt per purpose) lets nobody make a link; the nonce ties it
to one row, whose state makes it work once; the timestamp inside makes it expire even if
the row were lost. A database read does not give the links away: only the hash is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from itsdangerous import BadData, URLSafeTimedSerializer

from workers import settings as settings_mod
from workers.accounts.errors import LinkError

#: Purposes a link may have; a link made for one is refused for the other.
PURPOSES = ("invitation", "password-reset")

#: Where each purpose's link leads on the web page (``web/accounts.py`` serves these pages).
#: The token goes in the query string, which access logs leave out (``web/accesslog.py``).
LINK_PATHS = {"invitation": "/auth/invitation?token=", "password-reset": "/auth/reset?token="}

#: The login page and the forgotten-password page, for links in account emails.
LOGIN_PATH = "/auth/login"
FORGOT_PATH = "/auth/forgot"

#: Longest token read at all (a real one is about 80 characters).
MAX_TOKEN_LENGTH = 400

#: What a person sees when a link does not work, whatever the reason (no probing).
BAD_LINK = "This link does not work: it may have expired or been used already."


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    # Signed with SECRET_KEY; links signed before a key change verify with a previous key
    # (itsdangerous takes the keys oldest first and signs with the last).
    keys = list(reversed(settings_mod.get().verification_keys))
    return URLSafeTimedSerializer(keys, salt=f"tandem-{purpose}")


def hash_secret(value: str) -> str:
    """Return the hex SHA-256 of ``value``: what the database keeps instead of a secret."""
    return hashlib.sha256(value.encode()).hexdigest()


def make_token(purpose: str, row_id: int) -> tuple[str, str]:
    """Return a new signed token for row ``row_id`` and the nonce hash the row must keep."""
    nonce = secrets.token_urlsafe(16)
    return _serializer(purpose).dumps([row_id, nonce]), hash_secret(nonce)


def page_url(path: str) -> str:
    """Return the full address of a page of the web app, from BASE_URL."""
    return settings_mod.get().base_url + path


def link_url(purpose: str, token: str) -> str:
    """Return the full address of a link with this purpose and token."""
    return page_url(LINK_PATHS[purpose] + token)


def read_token(purpose: str, token: str, max_age: dt.timedelta) -> tuple[int, str]:
    """Check a token's signature and age; return the row id and the nonce hash it carries."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkError(BAD_LINK)
    try:
        row_id, nonce = _serializer(purpose).loads(token, max_age=max_age.total_seconds())
    except (BadData, TypeError, ValueError):
        raise LinkError(BAD_LINK) from None
    if not isinstance(row_id, int) or not isinstance(nonce, str) or not 0 < row_id < 2**63:
        raise LinkError(BAD_LINK)
    return row_id, hash_secret(nonce)


def same_hash(a: str, b: str) -> bool:
    """Compare two hashes in constant time."""
    return bool(a) and hmac.compare_digest(a, b)
