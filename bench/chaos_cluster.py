"""The chaos run's processes: Redis, the workers under their respawner, the scheduler and the
inbound listener, each started as the Procfile does, and the faults made to them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

from bench.recovery_support import (
    RestartableRedis,
    cut_connections,
    wait_for,
    worker_children,
)
from tests.services import POSTGRES_ADMIN_URL, wait_for_port

ROOT = Path(__file__).resolve().parent.parent

#: The Procfile's worker line: two copies of one Dramatiq process with four threads, respawned.
WORKER = ["nice", "-n", "10", sys.executable, "-m", "workers.runtime.respawn", "--copies", "2"]
WORKER += ["--", "dramatiq", "workers.actors", "-p", "1", "-t", "4"]

FLASK = [sys.executable, "-m", "flask", "--app", "web"]


class Cluster:
    """Every Tandem process of one host, logging to ``folder``; each fault is a method."""

    def __init__(self, folder: Path, env: dict[str, str], redis: RestartableRedis) -> None:
        self.folder = folder
        self.env = env
        self.redis = redis
        self.procs: dict[str, subprocess.Popen] = {}
        self.killed, self.killed_at = 0, 0.0

    def start(self, name: str) -> subprocess.Popen:
        """Start one process (worker, scheduler or mailin) in its own session."""
        command = {
            "worker": WORKER,
            "scheduler": [*FLASK, "scheduler"],
            "mailin": [*FLASK, "mailin"],
        }[name]
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 (open for the process's life)
        proc = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def start_all(self) -> None:
        """Start the workers, the scheduler and the listener; wait until they answer."""
        for name in ("worker", "scheduler", "mailin"):
            self.start(name)
        wait_for_port(int(self.env["MAILIN_PORT"]), timeout=60)
        if not wait_for(lambda: len(self.workers()) >= 2, 120, every=0.2):
            raise SystemExit(f"the workers did not start; see {self.folder / 'worker.log'}")

    def workers(self) -> list[int]:
        """Return the pids of the Dramatiq worker processes (the ones doing the work)."""
        return worker_children(self.procs["worker"].pid)

    def kill_worker(self) -> str:
        """SIGKILL one worker process, as the kernel's OOM killer does."""
        victims = self.workers()
        if not victims:
            return "no worker process to kill"
        os.kill(victims[0], signal.SIGKILL)
        self.killed, self.killed_at = victims[0], time.monotonic()
        return f"SIGKILL worker process {victims[0]} (of {len(victims)})"

    def kill_scheduler(self) -> str:
        """SIGKILL the scheduler and start it again at once, as systemd's Restart=always does."""
        old = self.procs["scheduler"]
        old.kill()
        old.wait()
        self.start("scheduler")
        return f"SIGKILL scheduler {old.pid}, started again"

    def restart_redis(self) -> str:
        """SIGKILL Redis (no persistence) and start it empty on the same port."""
        self.redis.kill()
        self.redis.start()
        return "SIGKILL redis-server, started again empty"

    def restart_listener(self) -> str:
        """SIGKILL the inbound listener and start it again on the same port."""
        old = self.procs["mailin"]
        old.kill()
        old.wait()
        self.start("mailin")
        wait_for_port(int(self.env["MAILIN_PORT"]), timeout=60)
        return f"SIGKILL listener {old.pid}, started again"

    def cut_database(self, spare_pid: int | None) -> str:
        """Terminate every PostgreSQL connection of the processes (not this one's)."""
        url = self.env["DATABASE_URL"]
        count = cut_connections(admin_url(url), url.rsplit("/", 1)[-1], spare_pid)
        return f"pg_terminate_backend on {count} connections"

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL what is left) and Redis."""
        for proc in self.procs.values():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 30
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        self.redis.stop()


def admin_url(database_url: str) -> str:
    """Return the URL of the server's maintenance database for ``database_url``'s server."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        return POSTGRES_ADMIN_URL
    return database_url.rsplit("/", 1)[0] + "/postgres"


def create_database(admin: str, name: str) -> None:
    """Create the run's own PostgreSQL database."""
    conn = psycopg2.connect(admin, connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def drop_database(admin: str, name: str) -> None:
    """Drop the run's database, ending what is still connected to it."""
    conn = psycopg2.connect(admin, connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    conn.close()
