"""The chaos run's relay: an SMTP server that refuses a share of deliveries with 4xx and drops
connections before answering, and records every Message-ID it accepted, with when. It offers
CHUNKING, as Postfix, Exchange and Gmail do; the refusals and drops come at the last chunk.

It runs in a process of its own (``python -m bench.chaos_sink PORT REFUSE LOG``), as a relay
does: in the busy benchmark process, the moment between deciding to accept and the 250
leaving would stretch with the benchmark's own work. Each event is a line of LOG; SIGUSR1
arms one drop. ``RelayProcess`` starts it and reads it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.recovery_support import MESSAGE_ID
from tests.chunking_smtp import ChunkingController
from tests.services import wait_for_port

ROOT = Path(__file__).resolve().parent.parent


class ChaosSink:
    """An SMTP relay that answers ``refuse`` of the deliveries with a 4xx, drops the
    connection of a message when a drop is armed, and accepts the rest; each event is a line
    of ``log``."""

    def __init__(self, port: int, refuse: float, log, seed: int = 17) -> None:
        self.refuse = refuse
        self.random = random.Random(seed)
        self.log = log
        self.lock = threading.Lock()
        self.drops_armed = 0
        self.controller = ChunkingController(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):
        found = MESSAGE_ID.search(envelope.original_content or envelope.content or b"")
        message_id = found.group(1).decode() if found else "-"
        with self.lock:
            if self.drops_armed:
                # The message is here, the answer never leaves: the sender cannot know
                # whether the relay kept it, and this relay did not.
                self.drops_armed -= 1
                self._write("D", message_id)
                server.transport.abort()
                return "421 4.4.2 Connection dropped"
            if self.random.random() < self.refuse:
                self._write("R", message_id)
                return "451 4.3.0 Temporary failure, try again later"
            self._write("A", message_id)
        return "250 OK"

    def _write(self, event: str, message_id: str) -> None:
        self.log.write(f"{event} {time.monotonic():.4f} {message_id}\n")
        self.log.flush()

    def arm(self, *_) -> None:
        """Drop the connection of the next message, before answering it."""
        with self.lock:
            self.drops_armed += 1


class RelayProcess:
    """The relay's process, seen from the benchmark: start, stop, arm drops, read events."""

    def __init__(self, port: int, refuse: float, folder: Path) -> None:
        self.port = port
        self.refuse = refuse
        self.path = folder / "relay.log"
        self.proc: subprocess.Popen | None = None
        self.armed = 0
        self.events: list[tuple[str, float, str]] = []
        self.offset = 0
        self.lock = threading.Lock()

    def start(self) -> None:
        """Start the relay and wait until it listens."""
        command = [sys.executable, "-m", "bench.chaos_sink", str(self.port), str(self.refuse)]
        self.proc = subprocess.Popen([*command, str(self.path)], cwd=ROOT)
        wait_for_port(self.port, timeout=30)

    def stop(self) -> None:
        """Stop the relay, keeping what it recorded."""
        self._read()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def arm_drops(self, count: int) -> None:
        """Drop the connection of the next ``count`` messages, before answering them."""
        for _ in range(count):
            self.proc.send_signal(signal.SIGUSR1)
            self.armed += 1
            time.sleep(0.05)  # one signal each: the same signal twice at once may merge

    @property
    def drops_armed(self) -> int:
        """Return how many armed drops have not happened yet."""
        return self.armed - len(self.dropped)

    @property
    def dropped(self) -> list[str]:
        """Return the Message-IDs whose connection was dropped."""
        return [m for e, _, m in self._read() if e == "D"]

    @property
    def refused(self) -> int:
        """Return how many deliveries were refused with 4xx."""
        return sum(1 for e, _, _ in self._read() if e == "R")

    def count(self) -> int:
        """Return how many deliveries were accepted."""
        return sum(1 for e, _, _ in self._read() if e == "A")

    def copies(self) -> dict[str, int]:
        """Return how many times each Message-ID was accepted."""
        found: dict[str, int] = {}
        for event, _, message_id in self._read():
            if event == "A":
                found[message_id] = found.get(message_id, 0) + 1
        return found

    def times(self, message_id: str) -> list[float]:
        """Return when (monotonic seconds) each copy of a Message-ID was accepted."""
        return [at for e, at, m in self._read() if e == "A" and m == message_id]

    def _read(self) -> list[tuple[str, float, str]]:
        """Read the lines written since the last read; return every event so far."""
        with self.lock:
            if self.path.exists():
                with open(self.path, "rb") as handle:
                    handle.seek(self.offset)
                    data = handle.read()
                complete = data[: data.rfind(b"\n") + 1]
                self.offset += len(complete)
                for line in complete.decode(errors="replace").splitlines():
                    event, at, message_id = line.split(" ", 2)
                    self.events.append((event, float(at), message_id))
            return list(self.events)


def main() -> None:
    """Serve until SIGTERM: ``PORT REFUSE LOG``."""
    port, refuse, path = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    with open(path, "a") as log:
        sink = ChaosSink(port, refuse, log)
        signal.signal(signal.SIGUSR1, sink.arm)
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # every line is written already
        sink.controller.start()
        while True:
            signal.pause()


if __name__ == "__main__":
    main()
