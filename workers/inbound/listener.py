"""The inbound SMTP listener: takes mail for the reply domain, stores it, then answers 250."""

from __future__ import annotations

import logging
import signal
import threading

from aiosmtpd.controller import Controller

from workers.inbound import store
from workers.inbound.batching import Enqueuer, Storer
from workers.inbound.quick_smtp import MailinController
from workers.settings import Settings

logger = logging.getLogger(__name__)

#: aiosmtpd's logger: at INFO it writes every command line and every recipient, and a reply
#: address (reply+<token>@...) works like a password.
AIOSMTPD_LOGGER = "mail.log"


class InboundHandler:
    """aiosmtpd handler: accept recipients at the reply domain, store each message."""

    def __init__(
        self, reply_domain: str, storer: Storer | None = None, enqueuer: Enqueuer | None = None
    ) -> None:
        self.reply_domain = reply_domain.lower()
        self.storer = storer or Storer()
        self.enqueuer = enqueuer or Enqueuer()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        domain = address.rsplit("@", 1)[-1].strip().lower()
        if domain != self.reply_domain:
            return "550 5.1.1 Not a Tandem address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        """Answer EHLO as aiosmtpd does, offering PIPELINING (``QuickPathSMTP`` answers it)."""
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        arrival = store.Arrival(raw, "smtp", envelope.mail_from or "", list(envelope.rcpt_tos))
        try:
            row, new = await self.storer.store(arrival)
        except Exception:  # not stored means not accepted: the sending server will retry
            logger.exception("could not store an inbound message")
            return "451 4.3.0 Could not store the message, try again later"
        if row.status == "received":
            self.enqueuer.add(row.id)
        return f"250 OK stored as {row.id}{'' if new else ' (duplicate)'}"

    def stop(self) -> None:
        """Store what has arrived, then hand the last ids to the workers."""
        self.storer.stop()
        self.enqueuer.stop()


def make_controller(settings: Settings, host: str = "", port: int = 0) -> Controller:
    """Return an unstarted listener for ``settings``; host and port default to the settings."""
    # Keep reply addresses out of the logs whatever level the process logs at.
    logging.getLogger(AIOSMTPD_LOGGER).setLevel(logging.WARNING)
    return MailinController(
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
        controller.handler.stop()
