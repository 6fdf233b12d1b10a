"""An SMTP server that can drop a connection right after a message's final dot, before it
answers: the RFC 1047 window, in which the server has the message and the client does not
know it."""

from __future__ import annotations

import re
import socket
import threading

from tests.services import free_port

#: The Message-ID of a message, as it arrives.
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class CuttingSmtpServer:
    """Accepts every message; with ``cut_next`` set, closes the connection after the next
    message's data instead of answering 250. ``received`` lists the Message-ID of every
    message whose data arrived, answered or not."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[str] = []
        self.cut_next = False
        self.lock = threading.Lock()
        self.sock = socket.create_server(("127.0.0.1", self.port))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.sock.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 cutter ESMTP\r\n")
            for line in lines:
                verb = line[:4].upper()
                if verb == b"EHLO":
                    conn.sendall(b"250-cutter\r\n250 PIPELINING\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go on\r\n")
                    if not self._data(conn, lines):
                        return
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:  # HELO, MAIL, RCPT, RSET, NOOP
                    conn.sendall(b"250 ok\r\n")

    def _data(self, conn: socket.socket, lines) -> bool:
        """Read one message up to its final dot; answer it, or cut; tell whether to go on."""
        chunks = []
        for line in lines:
            if line == b".\r\n":
                break
            chunks.append(line)
        else:
            return False  # the client went away mid-message
        found = MESSAGE_ID.search(b"".join(chunks))
        with self.lock:
            self.received.append(found.group(1).decode() if found else "")
            cut, self.cut_next = self.cut_next, False
        if cut:
            conn.shutdown(socket.SHUT_RDWR)
            return False
        conn.sendall(b"250 queued\r\n")
        return True
