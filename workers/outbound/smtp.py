"""Open SMTP connections from ``SMTP_URL`` and keep one per worker thread."""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

#: Seconds an SMTP conversation may stall before we give up on it.
SMTP_TIMEOUT = 30

#: A connection idle longer than this is checked with NOOP before it is reused.
IDLE_CHECK_SECONDS = 5

_local = threading.local()


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to connect, parsed from ``SMTP_URL``."""

    host: str
    port: int
    mode: str  # plain, ssl, starttls
    username: str
    password: str


def parse_smtp_url(url: str) -> SmtpTarget:
    """Parse ``smtp://``, ``smtps://`` or ``smtp+starttls://`` with optional user:password."""
    parts = urlsplit(url)
    mode = {"smtp": "plain", "smtps": "ssl", "smtp+starttls": "starttls"}.get(parts.scheme)
    if mode is None:
        raise ValueError(f"SMTP_URL scheme must be smtp, smtps or smtp+starttls: {url!r}")
    default_port = {"plain": 25, "ssl": 465, "starttls": 587}[mode]
    return SmtpTarget(
        host=parts.hostname or "localhost",
        port=parts.port or default_port,
        mode=mode,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """Return a verifying TLS context, trusting ``ca_file`` instead of the system store if set."""
    return ssl.create_default_context(cafile=ca_file or None)


def open_connection(target: SmtpTarget, ca_file: str = "") -> smtplib.SMTP:
    """Connect, secure and log in as ``target`` says."""
    if target.mode == "ssl":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(
            target.host, target.port, timeout=SMTP_TIMEOUT, context=tls_context(ca_file)
        )
    else:
        conn = smtplib.SMTP(target.host, target.port, timeout=SMTP_TIMEOUT)
        if target.mode == "starttls":
            conn.starttls(context=tls_context(ca_file))
    if target.username:
        conn.login(target.username, target.password)
    return conn


def connection(url: str, ca_file: str = "") -> tuple[smtplib.SMTP, bool]:
    """Return this thread's connection to ``url`` and whether it was reused (else opened)."""
    conn = getattr(_local, "conn", None)
    if conn is not None and getattr(_local, "key", None) == (url, ca_file):
        if time.monotonic() - _local.used < IDLE_CHECK_SECONDS:
            _local.used = time.monotonic()
            return conn, True
        try:
            if conn.noop()[0] == 250:
                _local.used = time.monotonic()
                return conn, True
        except (smtplib.SMTPException, OSError):
            pass
    discard()
    _local.conn = open_connection(parse_smtp_url(url), ca_file)
    _local.key = (url, ca_file)
    _local.used = time.monotonic()
    return _local.conn, False


def discard() -> None:
    """Close and forget this thread's connection (after an error)."""
    conn = getattr(_local, "conn", None)
    _local.conn = None
    if conn is not None:
        try:
            conn.close()
        except OSError:
            pass
