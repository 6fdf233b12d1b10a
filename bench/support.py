"""Pieces the benchmarks share: an SMTP sink that counts, and worker processes to time."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from tqdm import tqdm

from tests.services import free_port

ROOT = Path(__file__).resolve().parent.parent


class CountingSink:
    """An SMTP server that only counts the messages it accepts."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"

    def wait_for(self, target: int, label: str, timeout: float) -> None:
        """Block until ``target`` messages have arrived, showing progress."""
        deadline = time.monotonic() + timeout
        with tqdm(total=target, desc=label, unit="email") as bar:
            while self.count < target:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{label}: only {self.count}/{target} arrived")
                bar.update(min(self.count, target) - bar.n)
                time.sleep(0.05)
            bar.update(target - bar.n)


#: The workers' command prefix, as the Procfile runs them: below the listener's CPU priority.
WORKER_NICE = ["nice", "-n", "10"]


def start_workers(env: dict, processes: int, threads: int) -> subprocess.Popen:
    """Start ``dramatiq workers`` with ``env``, logging to a temporary file it prints."""
    command = [
        *WORKER_NICE,
        sys.executable,
        "-m",
        "dramatiq",
        "workers.actors",
        "-p",
        str(processes),
    ]
    command += ["-t", str(threads)]
    log = open(Path(tempfile.mkdtemp(prefix="tandem-bench-")) / "workers.log", "ab")  # noqa: SIM115
    print(f"worker log: {log.name}")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
