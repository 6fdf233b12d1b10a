"""The dev mail catcher: a real SMTP server that keeps every message for the dev mailbox."""

from __future__ import annotations

import asyncio
import email.errors
import email.header
import email.policy
import hashlib
import logging
import signal
import threading
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller
from peewee import IntegrityError

from models import CaughtMail, db

logger = logging.getLogger(__name__)

#: Largest message the catcher accepts, in bytes (larger ones get ``552``).
DEFAULT_SIZE_LIMIT = 25 * 1024 * 1024

#: Longest header value kept in a column (the raw message keeps all of it).
MAX_HEADER_CHARS = 2000


def dedupe_key(raw: bytes, message_id: str) -> str:
    """Return the key a message is stored under: its Message-ID, or its bytes without one."""
    if message_id:
        return "mid:" + hashlib.sha256(message_id.strip().lower().encode()).hexdigest()
    return "raw:" + hashlib.sha256(raw).hexdigest()


def decode_subject(value) -> str:
    """Return a Subject header as readable text, never failing on a malformed one."""
    if value is None:
        return ""
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (email.errors.HeaderParseError, LookupError, UnicodeError, ValueError):
        return str(value).encode("ascii", "replace").decode()


def store_caught(
    raw: bytes, mail_from: str = "", rcpt_to: list[str] | None = None
) -> tuple[CaughtMail, bool]:
    """Save a caught message unless its Message-ID is stored; return the row and if it is new."""
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    message_id = " ".join(str(headers.get("Message-ID") or "").split())
    key = dedupe_key(raw, message_id)
    existing = CaughtMail.get_or_none(CaughtMail.dedupe_key == key)
    if existing is not None:
        return _note_repeat(existing, rcpt_to or []), False
    subject = decode_subject(headers.get("Subject"))
    try:
        with db.atomic():
            row = CaughtMail.create(
                raw=raw,
                dedupe_key=key,
                message_id=message_id[:MAX_HEADER_CHARS],
                mail_from=mail_from[:MAX_HEADER_CHARS],
                rcpt_to=",".join(rcpt_to or [])[:MAX_HEADER_CHARS],
                subject=subject[:MAX_HEADER_CHARS],
                size=len(raw),
            )
    except IntegrityError:
        # Another connection stored the same message a moment ago.
        return CaughtMail.get(CaughtMail.dedupe_key == key), False
    return row, True


def _note_repeat(row: CaughtMail, rcpt_to: list[str]) -> CaughtMail:
    """Count a repeated delivery and add recipients the stored copy does not list."""
    known = {r.lower() for r in row.recipients}
    missing = [r for r in rcpt_to if r.lower() not in known]
    changes = {CaughtMail.deliveries: CaughtMail.deliveries + 1}
    if missing:
        changes[CaughtMail.rcpt_to] = ",".join(row.recipients + missing)[:MAX_HEADER_CHARS]
    CaughtMail.update(changes).where(CaughtMail.id == row.id).execute()
    return CaughtMail.get_by_id(row.id)


def _store_in_own_connection(raw: bytes, mail_from: str, rcpt_to: list[str]) -> bool:
    with db.connection_context():
        return store_caught(raw, mail_from, rcpt_to)[1]


class CatcherHandler:
    """aiosmtpd handler that stores each accepted message as a CaughtMail row."""

    def __init__(self, size_limit: int = DEFAULT_SIZE_LIMIT) -> None:
        self.size_limit = size_limit

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if len(raw) > self.size_limit:
            return "552 Message too large"
        loop = asyncio.get_running_loop()
        try:
            new = await loop.run_in_executor(
                None,
                _store_in_own_connection,
                raw,
                envelope.mail_from or "",
                list(envelope.rcpt_tos),
            )
        except Exception:  # a broken database must not lose mail silently: ask to retry
            logger.exception("could not store a caught message")
            return "451 Could not store the message, try again later"
        # Not the envelope: its sender is a signed bounce address, which stays out of logs.
        logger.info(
            "caught %s message for %s recipient(s)",
            "new" if new else "a duplicate",
            len(envelope.rcpt_tos),
        )
        return "250 OK"


def make_controller(
    port: int, host: str = "127.0.0.1", size_limit: int = DEFAULT_SIZE_LIMIT
) -> Controller:
    """Return an unstarted catcher SMTP server on ``host:port``."""
    return Controller(
        CatcherHandler(size_limit),
        hostname=host,
        port=port,
        data_size_limit=size_limit,
    )


def serve_forever(port: int, host: str = "127.0.0.1", size_limit: int = DEFAULT_SIZE_LIMIT):
    """Run the catcher until Ctrl-C or SIGTERM."""
    controller = make_controller(port, host, size_limit)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    controller.start()
    logger.info("dev mail catcher listening on %s:%s", host, port)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
