"""Login sessions kept on the server: the cookie holds a random key, the row says who it is.

A signed cookie alone cannot be taken back: a copy keeps working after logout until it
expires. Here the row is the session, so deleting it ends every copy of the cookie.
"""

from __future__ import annotations

import datetime as dt
import secrets

from models import User, UserSession
from workers.accounts.links import hash_secret

#: How long a login lasts, whatever happens in between (the cookie's lifetime too).
SESSION_LIFETIME = dt.timedelta(hours=12)

#: ``last_seen_at`` is written at most this often, so reading pages seldom writes.
TOUCH_EVERY = dt.timedelta(minutes=5)

#: Longest user agent kept (for the user's list of sessions).
MAX_USER_AGENT = 200


def wall_clock() -> dt.datetime:
    """Return the real time, naive UTC.

    Sessions live on the wall clock, like the cookie that carries them: Tandem's own clock
    moves with programme time in tests and demos, and must not log a browser out.
    """
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def start_session(user: User, remote_addr: str = "", user_agent: str = "") -> str:
    """Record a new session for ``user`` and return the key its cookie carries."""
    key = secrets.token_urlsafe(32)
    now = wall_clock()
    UserSession.delete().where(UserSession.expires_at <= now).execute()
    UserSession.create(
        user=user,
        key_hash=hash_secret(key),
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_LIFETIME,
        remote_addr=remote_addr[:64],
        user_agent=user_agent[:MAX_USER_AGENT],
    )
    return key


def session_user(key: str | None) -> User | None:
    """Return the active user whose live session has this key, or None."""
    if not key or not isinstance(key, str):
        return None
    now = wall_clock()
    row = UserSession.live(now).where(UserSession.key_hash == hash_secret(key)).first()
    if row is None:
        return None
    user = User.get_or_none((User.id == row.user_id) & (User.is_active == True))  # noqa: E712
    if user is not None and now - row.last_seen_at > TOUCH_EVERY:
        UserSession.update(last_seen_at=now).where(UserSession.id == row.id).execute()
    return user


def end_session(key: str | None) -> bool:
    """Delete the session with this key; False if there was none."""
    if not key or not isinstance(key, str):
        return False
    return bool(UserSession.delete().where(UserSession.key_hash == hash_secret(key)).execute())


def end_user_sessions(user: User) -> int:
    """Delete every session of ``user`` (every browser, every copied cookie); return how many."""
    return UserSession.delete().where(UserSession.user == user.id).execute()
