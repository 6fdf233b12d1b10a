"""Reset a forgotten password by email: a signed link that works once, within the hour.

Asking answers the same whether or not the address has a login, so the page tells nobody
who has one. Requests are limited per client (beyond that it is told to wait) and per
address (beyond that no more emails go out, silently), so the page cannot flood a mailbox.
"""

from __future__ import annotations

import datetime as dt
import math

from models import PasswordReset, User, clock
from workers.accounts import links
from workers.accounts.errors import LinkError, Throttled
from workers.accounts.passwords import check_new_password, person_for, set_password
from workers.outbound import outbox

#: How long a reset link works.
RESET_LIFETIME = dt.timedelta(hours=1)

#: Requests one client may make per RATE_WINDOW, whatever the addresses.
PER_CLIENT = 5

#: Reset emails one address may receive per RATE_WINDOW.
PER_ADDRESS = 3

#: The window both limits count in.
RATE_WINDOW = dt.timedelta(hours=1)

#: Requests are kept this long (they count for the limits, and say who asked).
KEEP_FOR = dt.timedelta(days=30)

#: Longest address looked up (RFC 5321's limit).
MAX_EMAIL_LENGTH = 254


def _client_wait(client: str, now: dt.datetime) -> int:
    """Return the seconds ``client`` must wait before asking again (0: it may ask now)."""
    recent = (
        PasswordReset.select(PasswordReset.created_at)
        .where((PasswordReset.client == client) & (PasswordReset.created_at > now - RATE_WINDOW))
        .order_by(PasswordReset.created_at.desc())
        .limit(PER_CLIENT)
    )
    times = [r.created_at for r in recent]
    if len(times) < PER_CLIENT:
        return 0
    return max(1, math.ceil((times[-1] + RATE_WINDOW - now).total_seconds()))


def _sent_to(email: str, now: dt.datetime) -> int:
    return (
        PasswordReset.select()
        .where(
            (PasswordReset.email == email)
            & (PasswordReset.created_at > now - RATE_WINDOW)
            & PasswordReset.user.is_null(False)
        )
        .count()
    )


def request_reset(email: str, client: str) -> None:
    """Email a reset link if ``email`` has an active login; raise Throttled if asked too often."""
    address = email.strip().lower()[:MAX_EMAIL_LENGTH]
    now = clock.now()
    with outbox.transaction():
        wait = _client_wait(client, now)
        if wait:
            raise Throttled("Too many requests from here.", wait)
        PasswordReset.delete().where(PasswordReset.created_at < now - KEEP_FOR).execute()
        user = User.get_or_none((User.email == address) & (User.is_active == True))  # noqa: E712
        if user is not None and _sent_to(address, now) >= PER_ADDRESS:
            user = None  # asked for too often: recorded, not sent
        row = PasswordReset.create(
            email=address, user=user, client=client, created_at=now, expires_at=now + RESET_LIFETIME
        )
        if user is not None:
            _send_link(row, user)


def _send_link(row: PasswordReset, user: User) -> None:
    token, row.nonce_hash = links.make_token("password-reset", row.id)
    row.save(only=[PasswordReset.nonce_hash])
    ctx = {
        "login_email": user.email,
        "link": links.link_url("password-reset", token),
        "minutes": int(RESET_LIFETIME.total_seconds() // 60),
    }
    outbox.queue_email("password-reset", person_for(user), ctx, key=f"password-reset:{row.id}")


def open_reset(token: str) -> PasswordReset:
    """Return the open reset request a link names; raise LinkError if the link does not work."""
    row_id, nonce_hash = links.read_token("password-reset", token, RESET_LIFETIME)
    row = (
        PasswordReset.select()
        .where(
            (PasswordReset.id == row_id)
            & PasswordReset.used_at.is_null()
            & (PasswordReset.expires_at > clock.now())
            & PasswordReset.user.is_null(False)
        )
        .first()
    )
    if row is None or not links.same_hash(row.nonce_hash, nonce_hash) or not row.user.is_active:
        raise LinkError(links.BAD_LINK)
    return row


def reset_password(token: str, password: str, confirm: str) -> User:
    """Set a new password through a reset link, which then stops working; return the user."""
    row = open_reset(token)
    user = row.user
    check_new_password(password, confirm, user.email)
    with outbox.transaction():
        claimed = (
            PasswordReset.update(used_at=clock.now())
            .where((PasswordReset.id == row.id) & PasswordReset.used_at.is_null())
            .execute()
        )
        if claimed != 1:
            raise LinkError(links.BAD_LINK)
        set_password(user, password, actor=f"user:{user.id}")
    return user
