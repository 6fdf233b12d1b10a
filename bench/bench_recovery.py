"""Measure how long work takes to resume after each fault the workers must survive.

Run: ``.venv/bin/python bench/bench_recovery.py`` (``--faults kill,redis,db,smtp``).

For each fault, on a fresh database (PostgreSQL when one answers, else SQLite; ``--sqlite``):

1. start ``make run``'s runner (``scripts/run.py``) with the ``worker`` and ``scheduler`` lines
   of ``Procfile.dev``, on a private Redis and an SMTP sink in this process;
2. queue 5 emails every half second, each batch in a transaction, as actions do;
3. after 5 s of steady delivery, queue a burst of 600 emails and, a second later, while they
   are in flight, make the fault:
   - ``kill``: SIGKILL one Dramatiq worker process (what the kernel's OOM killer does);
   - ``redis``: kill Redis and start it again, empty, on the same port (no persistence);
   - ``db``: ``pg_terminate_backend`` every connection of the workers and the scheduler;
   - ``smtp``: the sink drops the connection after the final dot of one message;
4. print the seconds from the fault until every email queued before it had arrived
   (``held``), the longest any email queued in the 20 s after it took to arrive (``new``), the
   emails that arrived twice, and the messages Dramatiq dead-lettered. ``never`` means not
   within ``--timeout``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.recovery_support import (  # noqa: E402
    Feeder,
    RestartableRedis,
    TimingSink,
    cut_connections,
    environment,
    wait_for,
    worker_children,
)
from tests.services import (  # noqa: E402
    POSTGRES_ADMIN_URL,
    PostgresDatabase,
    free_port,
    postgres_available,
)

#: Seconds of steady delivery before the fault.
STEADY = 5.0

#: Emails queued in one burst a second before the fault, so that work is in flight.
BURST = 600

#: Emails queued this many seconds after the fault count for "new".
WINDOW = 20.0

#: Procfile.dev lines the runner starts here.
PROCESSES = ("worker", "scheduler")


def procfile(folder: Path, worker: str | None = None) -> Path:
    """Write the worker and scheduler lines of Procfile.dev (or ``worker`` as the worker's
    command) to a Procfile of their own."""
    lines = [
        line if worker is None or not line.startswith("worker:") else f"worker: {worker}"
        for line in (ROOT / "Procfile.dev").read_text().splitlines()
        if line.split(":", 1)[0] in PROCESSES
    ]
    path = folder / "Procfile"
    path.write_text("\n".join(lines) + "\n")
    return path


def start_runner(folder: Path, env: dict, worker: str | None) -> subprocess.Popen:
    """Start scripts/run.py in its own session, logging to ``folder``/run.log."""
    command = [sys.executable, str(ROOT / "scripts" / "run.py")]
    command += ["--procfile", str(procfile(folder, worker)), "--var", str(folder / "var")]
    log = open(folder / "run.log", "ab")  # noqa: SIM115 (kept open for the runner's life)
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )


def stop_runner(runner: subprocess.Popen) -> None:
    """Stop the runner and everything it started."""
    try:
        os.killpg(runner.pid, signal.SIGTERM)
        runner.wait(timeout=40)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(runner.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        runner.wait()


def dead_lettered(redis_url: str) -> int:
    """Return how many messages Dramatiq holds in its dead-letter queues."""
    import redis as redis_lib

    client = redis_lib.Redis.from_url(redis_url)
    return sum(client.hlen(key) for key in client.scan_iter("dramatiq:*.XQ.msgs"))


def make_fault(fault: str, runner, redis, sink, feeder, database: str) -> str:
    """Make the fault now; return what was done."""
    if fault == "kill":
        victims = worker_children(runner.pid)
        if not victims:
            return "no worker process found"
        os.kill(victims[0], signal.SIGKILL)
        return f"killed worker process {victims[0]} of {len(victims)}"
    if fault == "redis":
        redis.kill()
        redis.start()
        return "Redis restarted empty"
    if fault == "db":
        count = cut_connections(POSTGRES_ADMIN_URL, database, feeder.backend_pid)
        return f"terminated {count} connections"
    sink.cut_next = True
    return "next connection cut after the final dot"


def measure(fault: str, runner, redis, sink, feeder, people, database: str, timeout: float) -> dict:
    """Make the fault while a burst is being delivered; return the figures of the recovery."""
    wait_for(lambda: len(sink.arrived()) >= 20, 60)
    time.sleep(STEADY)
    for first in range(0, BURST, 100):
        feeder.queue(people, f"burst:{first}")
    time.sleep(1)
    before = dict(feeder.queued)
    fault_at = time.monotonic()
    what = make_fault(fault, runner, redis, sink, feeder, database)
    new = held = None
    while time.monotonic() < fault_at + timeout:
        arrived = sink.arrived()
        if held is None and all(m in arrived for m in before):
            held = max(arrived[m] for m in before) - fault_at
        after = {m: at for m, at in feeder.queued.items() if fault_at <= at <= fault_at + WINDOW}
        if time.monotonic() > fault_at + WINDOW and all(m in arrived for m in after):
            new = max(arrived[m] - at for m, at in after.items())
        if runner.poll() is not None:
            what += f"; the runner exited ({runner.returncode})"
            break
        if new is not None and held is not None:
            break
        time.sleep(0.1)
    counts: dict[str, int] = {}
    for _, message_id in sink.arrivals:
        counts[message_id] = counts.get(message_id, 0) + 1
    for message_id in sink.cut:
        times = [at for at, m in sink.arrivals if m == message_id]
        again = f"again after {times[1] - times[0]:.1f} s" if len(times) > 1 else "not again yet"
        what += f"; the cut message arrived {len(times)} times ({again})"
    return {
        "what": what,
        "new": new,
        "held": held,
        "twice": sum(1 for c in counts.values() if c > 1),
        "dead": dead_lettered(redis.url),
    }


def run_fault(fault: str, redis: RestartableRedis, args, use_postgres: bool) -> dict:
    """Run one fault on a fresh database and runner; return its figures."""
    from models import Person, db, init_db
    from workers import settings as settings_mod

    folder = Path(tempfile.mkdtemp(prefix=f"tandem-recovery-{fault}-"))
    postgres = PostgresDatabase() if use_postgres else None
    url = postgres.url if postgres else f"sqlite:///{folder / 'tandem.db'}"
    # The runner checks that the catcher's port is free: the sink takes it once it has.
    sink = TimingSink(free_port())
    redis.kill()
    redis.start()
    env = environment(DATABASE_URL=url, DEV_SMTP_PORT=str(sink.port))
    env.update(WEB_PORT=str(free_port()), MAILIN_PORT=str(free_port()))
    settings_mod.configure(settings_mod.load_settings(env))
    runner = start_runner(folder, env, args.worker)
    feeder = None
    started = False
    try:
        log = folder / "run.log"
        if not wait_for(lambda: log.exists() and b"Tandem is starting" in log.read_bytes(), 60):
            raise SystemExit(f"the runner did not start; see {log}")
        sink.controller.start()
        started = True
        if not wait_for(lambda: len(worker_children(runner.pid)) >= 2, 120, every=0.2):
            raise SystemExit(f"the workers did not start; see {folder / 'run.log'}")
        init_db(url)
        with db.connection_context():
            people = [
                Person.create(name=f"P{i}", email=f"p{i}-{fault}@example.org") for i in range(100)
            ]
        feeder = Feeder(people)
        feeder.start()
        database = url.rsplit("/", 1)[-1]
        return measure(fault, runner, redis, sink, feeder, people, database, args.timeout)
    finally:
        if feeder is not None:
            feeder.stopping.set()
            feeder.join()
        stop_runner(runner)
        if started:
            sink.controller.stop()
        if db.obj is not None:
            db.close()
        if postgres:
            postgres.drop()
        print(f"  ({fault}: runner log {folder / 'run.log'})")


def seconds(value: float | None, timeout: float) -> str:
    return f"{value:6.1f} s" if value is not None else f" never (>{timeout:.0f} s)"


def main() -> None:
    """Run each fault and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", default="kill,redis,db,smtp")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds to wait per fault")
    parser.add_argument("--sqlite", action="store_true", help="SQLite even if PostgreSQL answers")
    parser.add_argument("--worker", help="the worker's command instead of Procfile.dev's")
    args = parser.parse_args()
    use_postgres = not args.sqlite and postgres_available() is None
    redis = RestartableRedis()
    environment(
        REDIS_URL=redis.url,
        SECRET_KEY=secrets.token_urlsafe(48),
        TANDEM_ENV="dev",
        PYTHONPATH=str(ROOT),
    )
    results = {}
    try:
        for fault in args.faults.split(","):
            if fault == "db" and not use_postgres:
                print("db: skipped (needs PostgreSQL)")
                continue
            print(f"{fault}: running...", flush=True)
            results[fault] = run_fault(fault, redis, args, use_postgres)
    finally:
        redis.stop()
    print(f"\nrecovery on {'PostgreSQL' if use_postgres else 'SQLite'}:")
    for fault, r in results.items():
        new, held = seconds(r["new"], args.timeout), seconds(r["held"], args.timeout)
        print(
            f"{fault:6} held {held}  new {new}  twice {r['twice']:3}"
            f"  dead-lettered {r['dead']:3}  ({r['what']})"
        )


if __name__ == "__main__":
    main()
