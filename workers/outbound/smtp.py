"""Open SMTP connections from ``SMTP_URL``, keep one per worker thread, and send over them
telling apart an answer lost after the message went out from a connection lost before it."""

from __future__ import annotations

import re
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

#: Most bytes one BDAT chunk carries (RFC 3030); a message is rarely larger.
CHUNK = 1 << 20

#: A line starting with a dot, which the DATA stage doubles (RFC 5321 4.5.2).
LEADING_DOT = re.compile(rb"(?m)^\.")

_local = threading.local()


class AnswerLost(smtplib.SMTPServerDisconnected):
    """The connection ended after the message's data and final dot went out, before the
    relay's answer came back: the relay may have taken the message (RFC 1047)."""


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
        shown = re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", url)  # never the password
        raise ValueError(f"SMTP_URL scheme must be smtp, smtps or smtp+starttls: {shown!r}")
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


def send(conn: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
    """Send one message as ``smtplib.SMTP.sendmail`` does, step by step, so that a connection
    lost once the relay may have taken the message raises :class:`AnswerLost`, not a plain
    disconnect. A relay that offers CHUNKING (RFC 3030) gets the message in counted chunks.

    ``data`` has CRLF line endings. Refusals raise smtplib's usual exceptions.
    """
    conn.ehlo_or_helo_if_needed()
    options = [f"size={len(data)}"] if conn.does_esmtp and conn.has_extn("size") else []
    code, reply = conn.mail(sender, options)
    if code != 250:
        _reset(conn)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = conn.rcpt(recipient)
    if code not in (250, 251):
        _reset(conn)
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    if conn.has_extn("chunking"):
        _send_chunks(conn, data)
    else:
        _send_data(conn, data)


def _send_data(conn: smtplib.SMTP, data: bytes) -> None:
    """DATA: the message, dot-stuffed, then the final dot, whose answer says whether the relay
    took it. The relay reads what is still on its way after the last byte left, and only then
    answers: the answer that can be lost covers the reading of the whole message."""
    code, reply = conn.docmd("data")
    if code != 354:
        _reset(conn)
        raise smtplib.SMTPDataError(code, reply)
    body = LEADING_DOT.sub(b"..", data)
    conn.send(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    _last_answer(conn)


def _send_chunks(conn: smtplib.SMTP, data: bytes) -> None:
    """BDAT (RFC 3030): the message in counted chunks, each answered once the relay has read
    it, then an empty last chunk. Only the answer to ``BDAT 0 LAST`` says whether the relay
    took the message, and by then it has read every byte: the moment in which a lost answer
    leaves the outcome unknown (RFC 1047) shrinks from the reading of the whole message to one
    round trip. A relay's refusal of a chunk ends the message: nothing was taken."""
    for start in range(0, len(data), CHUNK):
        chunk = data[start : start + CHUNK]
        conn.send(b"BDAT %d\r\n" % len(chunk) + chunk)
        code, reply = conn.getreply()
        if code != 250:
            _reset(conn)
            raise smtplib.SMTPDataError(code, reply)
    conn.send(b"BDAT 0 LAST\r\n")
    _last_answer(conn)


def _last_answer(conn: smtplib.SMTP) -> None:
    """Read the answer to the command that asks the relay to take the message."""
    try:
        code, reply = conn.getreply()
    except smtplib.SMTPServerDisconnected as exc:  # a timeout ends up here too
        raise AnswerLost(f"no answer after the data was sent: {exc}") from exc
    if code != 250:
        _reset(conn)
        raise smtplib.SMTPDataError(code, reply)


def _reset(conn: smtplib.SMTP) -> None:
    try:
        conn.rset()
    except (smtplib.SMTPException, OSError):
        pass  # the next use finds the connection broken and opens another
