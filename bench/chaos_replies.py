"""The stakeholders' mail servers in the chaos run: they send replies to the listener and, as
mail servers do, keep a message until the listener answered 250, retrying after errors."""

from __future__ import annotations

import queue
import threading
import time

from bench.chaos_load import Outgoing
from bench.mta_client import MTAClient, SMTPReplyError, to_wire

#: Seconds before retrying a message the listener did not take (a real MTA waits minutes).
RETRY_AFTER = 1.0

#: Replies sent per second, all threads together: people answer over a minute or two, not in
#: one burst, so replies are still arriving while the faults are made.
RATE = 15.0


class ReplySenders:
    """``threads`` SMTP clients taking messages from one queue, ``rate`` a second together;
    each records what the listener accepted, by Message-ID, and how often it had to retry."""

    def __init__(self, port: int, threads: int = 2, rate: float = RATE) -> None:
        self.port = port
        self.pause = threads / rate
        self.todo: queue.Queue[Outgoing | None] = queue.Queue()
        self.lock = threading.Lock()
        self.accepted: list[str] = []
        self.retries = 0
        self.last_accept = 0.0
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    def send(self, messages: list[Outgoing]) -> None:
        """Queue messages to send."""
        for message in messages:
            self.todo.put(message)

    def pending(self) -> int:
        """Return how many messages wait to be sent (being sent included)."""
        return self.todo.unfinished_tasks

    def sent_ids(self) -> list[str]:
        """Return the Message-ID of every message the listener accepted, once per acceptance."""
        with self.lock:
            return list(self.accepted)

    def stop(self) -> None:
        """Let every thread finish what it has and end."""
        for _ in self.threads:
            self.todo.put(None)
        for thread in self.threads:
            thread.join(timeout=30)

    def _run(self) -> None:
        conn: MTAClient | None = None
        while True:
            item = self.todo.get()
            if item is None:
                self.todo.task_done()
                break
            sender, rcpts, raw, message_id = item
            data = to_wire(raw)
            while True:
                try:
                    conn = conn or MTAClient("127.0.0.1", self.port, timeout=30)
                    conn.send_wire(sender, rcpts, data)
                    break
                except (SMTPReplyError, OSError):
                    with self.lock:
                        self.retries += 1
                    try:
                        if conn is not None:
                            conn.close()
                    except (SMTPReplyError, OSError):
                        pass
                    conn = None
                    time.sleep(RETRY_AFTER)
            with self.lock:
                self.accepted.append(message_id)
                self.last_accept = time.monotonic()
            self.todo.task_done()
            time.sleep(self.pause)
        if conn is not None:
            conn.close()
