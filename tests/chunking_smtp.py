"""aiosmtpd's SMTP server with CHUNKING (RFC 3030), as Postfix, Exchange and Gmail offer it:
``BDAT <size> [LAST]`` carries the message in counted chunks, each answered once read, and
the last one hands the message to the handler's ``handle_DATA``, as the final dot does."""

from __future__ import annotations

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, syntax


class ChunkingSMTP(SMTP):
    """The SMTP server, with ``BDAT`` offered in the answer to ``EHLO``. The chunks of the
    message under way are kept on the envelope (``envelope.chunks``)."""

    async def push(self, status: str | bytes) -> None:
        if status == "250 HELP":  # the last line of the answer to EHLO
            await super().push("250-CHUNKING")
        await super().push(status)

    @syntax("BDAT chunk-size [LAST]")
    async def smtp_BDAT(self, arg: str) -> None:
        size, _, last = arg.partition(" ")
        if not size.isdigit() or last.upper() not in ("", "LAST"):
            await self.push("501 Syntax: BDAT chunk-size [LAST]")
            return
        chunk = await self._reader.readexactly(int(size))  # read, whatever the answer
        if await self.check_helo_needed() or await self.check_auth_needed("BDAT"):
            return
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        self.envelope.chunks = [*getattr(self.envelope, "chunks", []), chunk]
        if not last:
            await self.push(f"250 {len(chunk)} octets received")
            return
        content = b"".join(self.envelope.chunks)
        self.envelope.content = self.envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)


class ChunkingController(Controller):
    """aiosmtpd's threaded controller, serving :class:`ChunkingSMTP`."""

    def factory(self) -> SMTP:
        return ChunkingSMTP(self.handler, **self.SMTP_kwargs)
