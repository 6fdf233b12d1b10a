"""An SMTP client that sends as mail servers do: pipelined when the server offers PIPELINING.

Postfix, Exim and the large providers send MAIL, RCPT and DATA in one write when the
receiving server's EHLO offers PIPELINING (RFC 2920), and wait for the answers together; then
the data and its closing dot. Python's ``smtplib`` waits for each answer in turn. The
benchmark sends with this client, as the MTA in front of the listener would.
"""

from __future__ import annotations

import re
import socket

#: Any line ending a message may have; SMTP wants CRLF (RFC 5321 2.3.8).
LINE_END_RE = re.compile(rb"\r\n|\n|\r")

#: The start of a line that begins with a dot, which the sender doubles (RFC 5321 4.5.2).
LEADING_DOT_RE = re.compile(rb"^\.", re.MULTILINE)


def to_wire(raw: bytes) -> bytes:
    """Return a message as SMTP sends it after DATA: CRLF line ends, each leading dot
    doubled, and the closing dot line."""
    data = LEADING_DOT_RE.sub(b"..", LINE_END_RE.sub(b"\r\n", raw))
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


class SMTPReplyError(Exception):
    """The server answered a command with an unexpected code."""


class MTAClient:
    """One SMTP connection that pipelines each message's envelope when it may."""

    def __init__(self, host: str, port: int, timeout: float = 60) -> None:
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._reader = self._sock.makefile("rb")
        self._expect(self._reply(), "220")
        self._sock.sendall(b"EHLO bench.example\r\n")
        ehlo = self._reply()
        self._expect(ehlo, "250")
        self.pipelining = any(line[4:].upper() == b"PIPELINING" for line in ehlo)

    def __enter__(self) -> MTAClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def sendmail(self, mail_from: str, rcpts: list[str], raw: bytes) -> None:
        """Send one message; raise SMTPReplyError unless the server takes it."""
        self.send_wire(mail_from, rcpts, to_wire(raw))

    def send_wire(self, mail_from: str, rcpts: list[str], data: bytes) -> None:
        """Send one message already in its SMTP form (``to_wire``), as a mail server sends
        from its queue; raise SMTPReplyError unless the server takes it."""
        commands = [f"MAIL FROM:<{mail_from}>", *(f"RCPT TO:<{r}>" for r in rcpts), "DATA"]
        expected = ["250"] * (len(commands) - 1) + ["354"]
        if self.pipelining:
            self._sock.sendall("".join(f"{c}\r\n" for c in commands).encode())
            for code in expected:
                self._expect(self._reply(), code)
        else:
            for command, code in zip(commands, expected, strict=True):
                self._sock.sendall(f"{command}\r\n".encode())
                self._expect(self._reply(), code)
        self._sock.sendall(data)
        self._expect(self._reply(), "250")

    def close(self) -> None:
        """Say QUIT and close the connection."""
        try:
            self._sock.sendall(b"QUIT\r\n")
            self._reply()
        except OSError:
            pass
        self._reader.close()
        self._sock.close()

    def _reply(self) -> list[bytes]:
        """Read one (maybe multi-line) answer; return its lines without line ends."""
        lines = []
        while True:
            line = self._reader.readline()
            if not line:
                raise SMTPReplyError("the server closed the connection")
            lines.append(line.rstrip(b"\r\n"))
            if line[3:4] != b"-":
                return lines

    @staticmethod
    def _expect(reply: list[bytes], code: str) -> None:
        if not reply[-1].startswith(code.encode()):
            raise SMTPReplyError(f"expected {code}, got {b' / '.join(reply)!r}")
