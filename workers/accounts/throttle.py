"""Slow down password guessing without ever locking an account.

Failures are counted per client: per client and account (a guesser working on one
coordinator), and per client over every account and link (a guesser spraying many). After
a few free tries each further failure doubles the wait before that client may try again.
Nothing is counted per account alone, so a stranger's failures from another address never
stop the real coordinator: a correct password always passes a throttle it did not trigger.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math

from peewee import fn

from models import LoginAttempt, clock

#: Failures a client may have on one account before it has to wait between tries.
ACCOUNT_FREE_TRIES = 3

#: Failures a client may have over all accounts and links before it has to wait.
CLIENT_FREE_TRIES = 20

#: The wait after the first failure over an allowance; each further failure doubles it.
FIRST_DELAY = dt.timedelta(seconds=5)

#: The longest wait: a guesser gets at most one try per this long on an account.
MAX_DELAY = dt.timedelta(minutes=15)

#: How long a failure counts.
WINDOW = dt.timedelta(hours=24)

#: IPv6 clients are counted by network: one host commonly holds a whole /64.
IPV6_PREFIX = 64


def client_key(remote_addr: str | None) -> str:
    """Return the key a client is counted under: its IPv4 address or its IPv6 /64."""
    try:
        address = ipaddress.ip_address((remote_addr or "").strip())
    except ValueError:
        return (remote_addr or "?")[:64]
    if address.version == 6:
        if address.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


def delay_after(failures: int, free: int) -> dt.timedelta:
    """Return how long to wait after the last of ``failures``, ``free`` of them allowed."""
    if failures < free:
        return dt.timedelta(0)
    doublings = min(failures - free, 32)  # 2**32 * 5 s is far past MAX_DELAY already
    return min(FIRST_DELAY * 2**doublings, MAX_DELAY)


def _count_and_last(query) -> tuple[int, dt.datetime | None]:
    count, last = query.select(fn.COUNT(LoginAttempt.id), fn.MAX(LoginAttempt.at)).scalar(
        as_tuple=True
    )
    if isinstance(last, str):  # SQLite hands back MAX() of a timestamp as text
        last = dt.datetime.fromisoformat(last)
    return count or 0, last


def wait_seconds(client: str, email: str = "") -> int:
    """Return the whole seconds ``client`` must wait before trying ``email`` (0: go ahead)."""
    now = clock.now()
    recent = LoginAttempt.select().where(
        (LoginAttempt.remote_addr == client) & (LoginAttempt.at > now - WINDOW)
    )
    rules = [(recent, CLIENT_FREE_TRIES)]
    if email:
        rules.append((recent.where(LoginAttempt.email == email), ACCOUNT_FREE_TRIES))
    until = now
    for query, free in rules:
        count, last = _count_and_last(query)
        if last is not None:
            until = max(until, last + delay_after(count, free))
    return math.ceil((until - now).total_seconds())


def record_failure(client: str, email: str = "") -> None:
    """Count a failed try by ``client``: a wrong password for ``email``, or a bad link."""
    now = clock.now()
    LoginAttempt.delete().where(LoginAttempt.at <= now - WINDOW).execute()
    LoginAttempt.create(email=email, remote_addr=client, at=now)


def clear_failures(client: str, email: str) -> None:
    """Forget the client's failures on this account once it has logged in to it."""
    LoginAttempt.delete().where(
        (LoginAttempt.remote_addr == client) & (LoginAttempt.email == email)
    ).execute()


def describe_wait(seconds: int) -> str:
    """Say how long a wait is, for a person: "40 seconds", "3 minutes"."""
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"
