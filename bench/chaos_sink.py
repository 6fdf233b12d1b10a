"""The chaos run's relay: an SMTP server that refuses a share of deliveries with 4xx and drops
connections before answering, and records every Message-ID it accepted, with when."""

from __future__ import annotations

import random
import threading
import time

from aiosmtpd.controller import Controller

from bench.recovery_support import MESSAGE_ID


class ChaosSink:
    """An SMTP relay that answers ``refuse`` of the deliveries with a 4xx, drops the
    connection of the next ``drops`` messages when armed, and accepts the rest."""

    def __init__(self, port: int, refuse: float = 0.2, seed: int = 17) -> None:
        self.port = port
        self.refuse = refuse
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.accepted: list[tuple[float, str]] = []
        self.refused = 0
        self.dropped: list[str] = []
        self.drops_armed = 0
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):
        found = MESSAGE_ID.search(envelope.original_content or envelope.content or b"")
        message_id = found.group(1).decode() if found else ""
        with self.lock:
            if self.drops_armed:
                # The data is here, the answer never leaves: the sender cannot know whether
                # the relay kept it, and this relay did not.
                self.drops_armed -= 1
                self.dropped.append(message_id)
                server.transport.abort()
                return "421 4.4.2 Connection dropped"
            if self.random.random() < self.refuse:
                self.refused += 1
                return "451 4.3.0 Temporary failure, try again later"
            self.accepted.append((time.monotonic(), message_id))
        return "250 OK"

    def arm_drops(self, count: int) -> None:
        """Drop the connection of the next ``count`` messages, before answering them."""
        with self.lock:
            self.drops_armed += count

    def count(self) -> int:
        """Return how many deliveries were accepted."""
        with self.lock:
            return len(self.accepted)

    def copies(self) -> dict[str, int]:
        """Return how many times each Message-ID was accepted."""
        with self.lock:
            found: dict[str, int] = {}
            for _, message_id in self.accepted:
                found[message_id] = found.get(message_id, 0) + 1
            return found

    def times(self, message_id: str) -> list[float]:
        """Return when (monotonic seconds) each copy of a Message-ID was accepted."""
        with self.lock:
            return [at for at, m in self.accepted if m == message_id]

    def start(self) -> None:
        """Start listening."""
        self.controller.start()

    def stop(self) -> None:
        """Stop listening."""
        self.controller.stop()
