"""The inbound SMTP listener: takes mail for the reply domain, stores it, then answers 250."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from peewee import InterfaceError, OperationalError

from models import db
from workers import inbound
from workers.settings import Settings

logger = logging.getLogger(__name__)

#: Threads storing messages at once (each holds its own database connection).
STORE_THREADS = 4


def _store(raw: bytes, mail_from: str, rcpt_to: list[str]) -> tuple[int, bool]:
    """Store and enqueue one message on this thread's database connection."""
    db.connect(reuse_if_open=True)
    try:
        row, new = inbound.receive(raw, "smtp", mail_from, rcpt_to)
    except (OperationalError, InterfaceError):
        db.close()  # a broken connection is reopened by the next message
        raise
    return row.id, new


class InboundHandler:
    """aiosmtpd handler: accept recipients at the reply domain, store each message."""

    def __init__(self, reply_domain: str, executor: ThreadPoolExecutor | None = None) -> None:
        self.reply_domain = reply_domain.lower()
        self.executor = executor or ThreadPoolExecutor(STORE_THREADS, "mailin-store")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        domain = address.rsplit("@", 1)[-1].strip().lower()
        if domain != self.reply_domain:
            return "550 5.1.1 Not a Tandem address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        loop = asyncio.get_running_loop()
        try:
            message_id, new = await loop.run_in_executor(
                self.executor, _store, raw, envelope.mail_from or "", list(envelope.rcpt_tos)
            )
        except Exception:  # not stored means not accepted: the sending server will retry
            logger.exception("could not store an inbound message")
            return "451 4.3.0 Could not store the message, try again later"
        return f"250 OK stored as {message_id}{'' if new else ' (duplicate)'}"


def make_controller(settings: Settings, host: str = "", port: int = 0) -> Controller:
    """Return an unstarted listener for ``settings``; host and port default to the settings."""
    return Controller(
        InboundHandler(settings.reply_domain),
        hostname=host or settings.mailin_host,
        port=port or settings.mailin_port,
        data_size_limit=settings.max_inbound_bytes,
        enable_SMTPUTF8=True,
        ident="Tandem mailin",
    )


def serve_forever(settings: Settings) -> None:
    """Run the listener until Ctrl-C or SIGTERM."""
    controller = make_controller(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    controller.start()
    logger.info("mailin listening on %s:%s", settings.mailin_host, settings.mailin_port)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
