"""The inbound SMTP listener: takes mail for the reply domain, stores it, then answers 250."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import signal
import threading
from collections.abc import Awaitable, Callable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, syntax
from peewee import InterfaceError, OperationalError

from models import InboundMessage, db
from workers.inbound import store, worker
from workers.settings import Settings

logger = logging.getLogger(__name__)

#: Most messages stored in one transaction (as many as arrived while the last one ran).
STORE_BATCH = 50

#: Most stored messages handed to the workers in one broker message.
BATCH_SIZE = 40

#: A plain ``<local@domain>`` path, as mail servers write it; others take aiosmtpd's parser.
PLAIN_PATH_RE = re.compile(
    r"<((?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>"
)

#: Longest a stored message waits for others to share its broker message (seconds).
BATCH_DELAY = 0.05


class Enqueuer:
    """Hand stored messages to the workers in small batches, from one background thread.

    A batch goes when it is full or ``delay`` seconds after its first message. Messages the
    broker does not take stay stored as received, and the scheduler enqueues them later.
    """

    def __init__(self, size: int = BATCH_SIZE, delay: float = BATCH_DELAY) -> None:
        self.size, self.delay = size, delay
        self._ids: list[int] = []
        self._ready = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="mailin-enqueue", daemon=True)
        self._thread.start()

    def add(self, message_id: int) -> None:
        """Queue one stored message id for the next batch."""
        with self._ready:
            self._ids.append(message_id)
            # Wake the thread only when that changes what it waits for: a first id starts
            # the delay, a full batch ends it (waking it for every id cost a thread switch).
            if len(self._ids) == 1 or len(self._ids) >= self.size:
                self._ready.notify()

    def flush(self) -> None:
        """Send every queued id now."""
        with self._ready:
            ids, self._ids = self._ids, []
        for start in range(0, len(ids), self.size):
            worker.enqueue_many(ids[start : start + self.size])

    def stop(self) -> None:
        """Send what is queued and end the background thread."""
        with self._ready:
            self._stopped = True
            self._ready.notify()
        self._thread.join(timeout=5)
        self.flush()

    def _run(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._ids or self._stopped)
                if self._stopped:
                    return
                self._ready.wait_for(lambda: len(self._ids) >= self.size, timeout=self.delay)
            self.flush()


class Storer:
    """Store arriving messages from one background thread, all that wait in one transaction.

    A message is stored before its sender hears 250, so each SMTP connection has at most one
    message waiting; while a transaction runs (or waits for the database), the messages of
    the other connections gather and are stored together in the next. The outcomes of a
    transaction reach the event loop in one wake-up.
    """

    def __init__(self, batch: int = STORE_BATCH) -> None:
        self.batch = batch
        self._waiting: list[tuple[store.Arrival, asyncio.Future]] = []
        self._ready = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="mailin-store", daemon=True)
        self._thread.start()

    async def store(self, arrival: store.Arrival) -> tuple[InboundMessage, bool]:
        """Store a message from the event loop; return ``(row, new)``."""
        future = asyncio.get_running_loop().create_future()
        with self._ready:
            if self._stopped:
                raise RuntimeError("the listener is stopping")
            self._waiting.append((arrival, future))
            self._ready.notify()
        return await future

    def stop(self) -> None:
        """Store what waits, then end the background thread."""
        with self._ready:
            self._stopped = True
            self._ready.notify()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._waiting or self._stopped)
                if not self._waiting:
                    break
                taken, self._waiting = self._waiting[: self.batch], self._waiting[self.batch :]
            futures = [future for _, future in taken]
            _settle(futures, self._store([arrival for arrival, _ in taken]))
        if not db.is_closed():
            db.close()

    def _store(self, arrivals: list[store.Arrival]) -> list[tuple | BaseException]:
        """Store the messages; return each one's ``(row, new)``, or the error that refused it."""
        try:
            return _store_now(arrivals)
        except Exception as exc:
            if len(arrivals) == 1:  # not stored: its sender hears 451 and tries again
                return [exc]
            # One message may be what fails: store each alone, so only that one is refused.
            return [self._store([arrival])[0] for arrival in arrivals]


def _settle(futures: list[asyncio.Future], outcomes: list) -> None:
    """Give each future its outcome, in one callback on each event loop they belong to."""
    by_loop: dict[asyncio.AbstractEventLoop, list] = {}
    for future, outcome in zip(futures, outcomes, strict=True):
        by_loop.setdefault(future.get_loop(), []).append((future, outcome))
    for loop, pairs in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve_all, pairs)
        except RuntimeError:  # the loop has closed: its connections are gone
            logger.warning(
                "%s stored messages answered no client: the listener stopped", len(pairs)
            )


def _resolve_all(pairs: list[tuple[asyncio.Future, tuple | BaseException]]) -> None:
    for future, outcome in pairs:
        if future.done():  # a connection that closed meanwhile cancelled its future
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


def _store_now(arrivals: list[store.Arrival]) -> list[tuple]:
    """Store on this thread's connection, dropping it when it broke (the next one reopens)."""
    try:
        db.connect(reuse_if_open=True)
        return store.store_many(arrivals)
    except (OperationalError, InterfaceError):
        if not db.is_closed():
            db.close()
        raise


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


def _may_wait(name: str) -> Callable[[QuickPathSMTP, str], Awaitable[None]]:
    """Wrap aiosmtpd's ``smtp_<name>`` so that its answer may wait for the next command's."""
    command = getattr(SMTP, name)

    async def method(self: QuickPathSMTP, arg: str) -> None:
        self._holding = True
        try:
            await command(self, arg)
        finally:
            self._holding = False

    return functools.update_wrapper(method, command)  # keeps the HELP text @syntax set


class QuickPathSMTP(SMTP):
    """aiosmtpd's server, with quicker reading of envelope paths and of the message data, and
    the answers to a pipelined group of commands sent in one write (RFC 2920).

    aiosmtpd's path parser costs more than storing the message (it even builds a class per
    call), and it reads DATA a line at a time through the event loop; this server reads plain
    ``<local@domain>`` paths with a pattern (any other path still goes to aiosmtpd's parser,
    the null sender included) and the data in blocks, with the same limits and answers.

    Mail servers send MAIL, RCPT and DATA together when the listener offers PIPELINING. The
    answer to a MAIL, RCPT or RSET (the commands a group may continue after) is then held
    while the client's next command has arrived already, and goes out with the next answer:
    one write and one wake-up of the client per group instead of one per command. Nothing is
    held while the server waits to read: when no whole command is waiting, it all goes.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._unsent = bytearray()
        self._holding = False
        self._deadline = 0.0

    def _reset_timeout(self, duration: float | None = None) -> None:
        """Move the connection's idle deadline on (each command does).

        aiosmtpd cancels its timer and schedules a new one for every command; here one timer
        serves them all: when it fires before the deadline it only sets itself again.
        """
        self._deadline = self.loop.time() + (duration or self._timeout_duration)
        timer = self._timeout_handle
        if timer is None or timer.cancelled() or timer.when() > self._deadline:
            if timer is not None:
                timer.cancel()
            self._timeout_handle = self.loop.call_at(self._deadline, self._idle_check)

    def _idle_check(self) -> None:
        if self.loop.time() < self._deadline:
            self._timeout_handle = self.loop.call_at(self._deadline, self._idle_check)
        else:
            self._timeout_cb()  # aiosmtpd's: log and close the connection

    smtp_MAIL = _may_wait("smtp_MAIL")
    smtp_RCPT = _may_wait("smtp_RCPT")
    smtp_RSET = _may_wait("smtp_RSET")

    async def push(self, status: str | bytes) -> None:
        """Send an answer, or hold it while the next command of a group waits (see above)."""
        response = (
            status.encode("utf-8" if self.enable_SMTPUTF8 else "ascii")
            if isinstance(status, str)
            else status
        )
        self._unsent += response + b"\r\n"
        if self._holding and b"\n" in self._reader._buffer:  # asyncio's unread bytes
            return
        data = bytes(self._unsent)
        self._unsent.clear()
        self._writer.write(data)
        await self._writer.drain()

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        text = arg.lstrip()
        match = PLAIN_PATH_RE.match(text)
        if match is None:
            return super()._getaddr(arg)
        address = match.group(1)
        if self.local_part_limit and len(address.rpartition("@")[0]) > self.local_part_limit:
            return None, None
        return address, text[match.end() :].lstrip()

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            data = await read_data(self._reader, self.data_size_limit)
        except asyncio.CancelledError:  # the connection was lost during DATA
            self._writer.close()
            raise
        if data is None:
            await self.push("552 Error: Too much mail data")
        elif self.line_length_limit and _has_long_line(data, self.line_length_limit):
            await self.push("500 Line too long (see RFC5321 4.5.3.1.6)")
        else:
            content = unstuff(data)
            self.envelope.content = self.envelope.original_content = content
            status = await self._call_handler_hook("DATA")
            self._set_post_data_state()
            await self.push(status)
            return
        self._set_post_data_state()


#: The end of the message data: a line holding a single dot (RFC 5321 4.1.1.4).
END_OF_DATA = b"\r\n.\r\n"


async def read_data(reader: asyncio.StreamReader, limit: int | None) -> bytes | None:
    """Read message data up to the line with a single dot; None when it is over ``limit``.

    Data over the limit is read to its end and dropped, so the sender hears 552 in turn.
    Bytes after the dot line (a next command sent early) are left for the command reader.
    """
    buffer = bytearray(b"\r\n")  # a leading CRLF lets an empty message end like any other
    dropped = False
    while True:
        chunk = await reader.read(1 << 16)
        if not chunk:  # closed mid-data: what came is not a message
            raise asyncio.CancelledError
        search_from = max(0, len(buffer) - len(END_OF_DATA) + 1)
        buffer += chunk
        end = buffer.find(END_OF_DATA, search_from)
        if end >= 0:
            break
        if limit and len(buffer) - 2 > limit:
            dropped = True
            del buffer[: -len(END_OF_DATA)]  # keep only what may begin the end marker
    rest = bytes(buffer[end + len(END_OF_DATA) :])
    if rest:
        reader._buffer[:0] = rest  # asyncio keeps unread bytes here; the next command is read
    data = bytes(buffer[2 : end + 2])  # the message with its last CRLF
    if dropped or (limit and len(data) > limit):
        return None
    return data


def unstuff(data: bytes) -> bytes:
    """Remove the dot the sender put before each line that begins with one."""
    if data.startswith(b"."):
        data = data[1:]
    return data.replace(b"\r\n.", b"\r\n")


def _has_long_line(data: bytes, limit: int) -> bool:
    """Tell whether a line (with its CRLF) is longer than ``limit`` octets."""
    return max(map(len, data.split(b"\r\n"))) + 2 > limit


class MailinController(Controller):
    """A Controller serving ``QuickPathSMTP``."""

    def factory(self) -> SMTP:
        return QuickPathSMTP(self.handler, **self.SMTP_kwargs)


def make_controller(settings: Settings, host: str = "", port: int = 0) -> Controller:
    """Return an unstarted listener for ``settings``; host and port default to the settings."""
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
