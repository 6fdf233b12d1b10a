"""Pieces of the recovery bench: a sink that can cut a connection after the final dot, a Redis
that restarts empty on its port, a feeder of emails, the process tree of the runner, and the
cut of every PostgreSQL connection."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg2
from aiosmtpd.controller import Controller

from tests.services import free_port, redis_server_binary, wait_for_port

#: The Message-ID header of a message, found with one search.
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)

CTX = {"subject": "Your follow-up session", "body": "Please send your progress update."}


class TimingSink:
    """An SMTP server recording when each Message-ID arrived; it can drop one connection
    right after the final dot of a message, before answering it (RFC 1047's window)."""

    def __init__(self, port: int, per_message: float = 0.0) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.lock = threading.Lock()
        self.cut_next = False
        self.cut: list[str] = []
        self.per_message = per_message
        self.port = port
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        found = MESSAGE_ID.search(envelope.original_content or envelope.content)
        message_id = found.group(1).decode() if found else ""
        with self.lock:
            self.arrivals.append((time.monotonic(), message_id))
            if self.cut_next:
                self.cut_next = False
                self.cut.append(message_id)
                server.transport.abort()  # the data is here; the 250 never leaves
        if self.per_message:
            time.sleep(self.per_message)  # one message at a time, like a slow relay
        return "250 OK"

    def arrived(self) -> dict[str, float]:
        """Return the first arrival time of each Message-ID."""
        with self.lock:
            first: dict[str, float] = {}
            for at, message_id in self.arrivals:
                first.setdefault(message_id, at)
            return first

    def copies(self, message_id: str) -> int:
        """Return how many times the message arrived."""
        with self.lock:
            return sum(1 for _, m in self.arrivals if m == message_id)


class RestartableRedis:
    """A private redis-server without persistence that can be killed and started empty on the
    same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="tandem-bench-redis-")
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        """Start the server (empty: nothing is saved)."""
        command = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", self.dir]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def kill(self) -> None:
        """Kill the server at once, losing everything it held."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        """Kill it and delete its folder."""
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Feeder(threading.Thread):
    """Queue ``per_tick`` emails every ``interval`` seconds, in a transaction each, recording
    when each Message-ID was queued."""

    def __init__(self, people: list, per_tick: int = 5, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.people = people
        self.per_tick = per_tick
        self.interval = interval
        self.queued: dict[str, float] = {}
        self.errors = 0
        self.backend_pid: int | None = None
        self.stopping = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        from models import db

        count = 0
        while not self.stopping.is_set():
            try:
                self._tick(count)
                count += self.per_tick
            except Exception:  # a fault the bench made: reconnect and go on
                self.errors += 1
                db.obj.dispose()
            self.ready.set()
            self.stopping.wait(self.interval)

    def _tick(self, count: int) -> None:
        from models import db

        if self.backend_pid is None and db.obj.__class__.__name__.startswith("TandemPostgres"):
            self.backend_pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        self.queue(self.people[: self.per_tick], f"feed:{count}")

    def queue(self, people: list, prefix: str) -> None:
        """Queue one email to each person in one transaction; record when."""
        from workers.outbound import outbox

        with outbox.transaction():
            rows = [
                outbox.queue_email("ping", person, CTX, key=f"{prefix}:{person.id}")
                for person in people
            ]
        now = time.monotonic()
        for row in rows:
            self.queued[row.message_id] = now


def children(pid: int) -> list[int]:
    """Return the process ids whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """Return every process below ``pid``."""
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid: int) -> str:
    """Return a process's command line, or "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def worker_children(root: int) -> list[int]:
    """Return the Dramatiq worker processes below ``root``: forked from a Dramatiq main process,
    they share its command line."""
    found = []
    for pid in descendants(root):
        line = cmdline(pid)
        if "dramatiq" in line and "workers.actors" in line:
            for child in children(pid):
                if cmdline(child) == line:
                    found.append(child)
    return sorted(set(found))


def wait_for(predicate, timeout: float, every: float = 0.05) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` passes; tell whether it held."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def environment(**values: str) -> dict[str, str]:
    """Return this process's environment with ``values`` over it, also applied here."""
    os.environ.update(values)
    return dict(os.environ)


def cut_connections(admin_url: str, database: str, spare: int | None) -> int:
    """Terminate every connection to ``database`` (PostgreSQL's ``pg_terminate_backend``)
    but ``spare``'s, through the server's maintenance database; return how many."""
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> %s AND pid <> pg_backend_pid()",
            (database, spare or 0),
        )
        count = cur.rowcount
    admin.close()
    return count
