"""The listener's SMTP server: aiosmtpd's, with quicker paths, DATA in blocks and pipelining.

This module is the one place Tandem reaches around aiosmtpd. It subclasses ``aiosmtpd.smtp.SMTP``
and uses its private parts: ``_getaddr``, ``_reader._buffer`` (asyncio's unread bytes),
``_timeout_handle``/``_timeout_cb``, ``_call_handler_hook`` and ``_set_post_data_state``.

What it buys, measured with ``bench/bench_inbound.py --n 10000``: answering a pipelined group in
one write took the listener from 1.06-1.11 to 0.86-0.94 CPU ms per message and the senders from
0.32-0.34 to 0.21-0.23. Reading DATA in blocks (aiosmtpd reads a line at a time through the
event loop) and plain paths with a pattern (aiosmtpd's parser builds a class per call) were not
measured apart.
On an aiosmtpd upgrade, re-check that those private names still exist and mean the same, then
run tests/inbound/test_listener.py (every answer of DATA, over a raw socket).
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable, Callable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, syntax

#: A plain ``<local@domain>`` path, as mail servers write it; others take aiosmtpd's parser.
PLAIN_PATH_RE = re.compile(
    r"<((?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>"
)


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
