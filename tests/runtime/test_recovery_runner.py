"""A worker process killed under ``make run``'s runner (say, by the OOM killer) does not stop
delivery: the other copy goes on, and the killed one is started again."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models import Person, init_db
from models import db as proxy
from tests.conftest import SmtpSink
from tests.services import free_port
from workers import settings as settings_mod
from workers.outbound import outbox

ROOT = Path(__file__).resolve().parents[2]

#: The processes of Procfile.dev this test runs, with their lines as make run has them.
PROCESSES = ("worker", "scheduler")

#: Seconds within which delivery must go on after the kill.
BOUND = 30


def parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def worker_processes(root: int) -> list[int]:
    """Return the Dramatiq worker processes under ``root``: forked by a Dramatiq main process,
    they share its command line."""
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    below = {root}
    for _ in range(6):  # runner > honcho > shell > respawn > dramatiq > worker
        below |= {pid for pid in pids if parent(pid) in below}
    return sorted(
        pid
        for pid in below
        if "workers.actors" in cmdline(pid) and cmdline(parent(pid) or 0) == cmdline(pid)
    )


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def runner(tmp_path, redis_broker):
    """make run's runner with the worker and scheduler of Procfile.dev, on a SQLite file, the
    tests' Redis (flushed before the workers start) and an SMTP sink on the dev catcher's port;
    yields (process, sink)."""
    lines = [
        line
        for line in (ROOT / "Procfile.dev").read_text().splitlines()
        if line.split(":", 1)[0] in PROCESSES
    ]
    (tmp_path / "Procfile").write_text("\n".join(lines) + "\n")
    sink = SmtpSink()
    url = f"sqlite:///{tmp_path / 'tandem.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEV_SMTP_PORT": str(sink.port),
        "WEB_PORT": str(free_port()),
        "MAILIN_PORT": str(free_port()),
        "PYTHONPATH": str(ROOT),
    }
    log = tmp_path / "run.log"
    command = [sys.executable, str(ROOT / "scripts" / "run.py")]
    command += ["--procfile", str(tmp_path / "Procfile"), "--var", str(tmp_path / "var")]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
    before = settings_mod.get()
    try:
        wait_for(lambda: b"Tandem is starting" in log.read_bytes(), 120, "the runner")
        sink.controller.start()  # the runner checked that the catcher's port was free
        # Both copies booted: a Dramatiq main process waits up to 30 s for a worker that dies
        # while booting, so a kill before then would test the boot, not the respawn
        ready = b"Worker process is ready for action"
        wait_for(lambda: log.read_bytes().count(ready) == 2, 120, "two booted worker processes")
        assert len(worker_processes(proc.pid)) == 2
        settings_mod.configure(dataclasses.replace(before, database_url=url))
        init_db(url).connect(reuse_if_open=True)
        yield proc, sink
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        sink.controller.stop()
        if proxy.obj is not None:
            proxy.close()
        proxy.initialize(None)
        settings_mod.configure(before)
        print(log.read_text(errors="replace")[-2000:])


def queue_emails(first: int, count: int) -> None:
    with outbox.transaction():
        for i in range(first, first + count):
            person = Person.create(name=f"P{i}", email=f"p{i}@runner.test")
            outbox.queue_email("ping", person, {"subject": "s", "body": "b"}, key=f"k{i}")


def delivered(sink: SmtpSink) -> int:
    """Count the test's own emails the sink accepted: the demo data's daily pass sends others."""
    return sum(
        rcpt.endswith("@runner.test") for message in sink.messages for rcpt in message["rcpt_tos"]
    )


def test_delivery_goes_on_when_a_worker_process_is_killed(runner):
    proc, sink = runner
    # Given workers delivering under the runner
    queue_emails(0, 10)
    wait_for(lambda: delivered(sink) == 10, 60, "the first emails")
    # When one worker process is killed
    victim = worker_processes(proc.pid)[0]
    os.kill(victim, signal.SIGKILL)
    killed = time.monotonic()
    # Then emails queued after it are still delivered, and the runner goes on
    queue_emails(10, 20)
    wait_for(lambda: delivered(sink) == 30, BOUND, "delivery after the kill")
    print(f"\n20 emails delivered {time.monotonic() - killed:.1f} s after the kill")
    assert proc.poll() is None
    # And the killed worker is started again
    wait_for(lambda: len(worker_processes(proc.pid)) == 2, BOUND, "a new worker process")
    assert victim not in worker_processes(proc.pid)


def test_the_systemd_worker_unit_restarts_the_procfile_s_workers():
    # Given the worker unit shipped for production and the Procfile's worker line
    unit = (ROOT / "deploy" / "systemd" / "tandem-worker@.service").read_text()
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and line[0] != "#"
    )
    procfile = (ROOT / "Procfile").read_text()
    worker = next(line for line in procfile.splitlines() if line.startswith("worker:"))
    # Then systemd restarts it whenever it exits, and runs what each Procfile copy runs
    assert settings["Restart"] == "always" and settings["StartLimitIntervalSec"] == "0"
    assert settings["ExecStart"].endswith(worker.split(" -- ", 1)[1])
    assert settings["Nice"] == "10"
