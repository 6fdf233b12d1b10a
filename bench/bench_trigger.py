"""Trigger a follow-up cycle with N stakeholders and time it against a plain SMTP loop.

Run: ``.venv/bin/python bench/bench_trigger.py`` (``--n 10000`` for the full size)

1. The system: a cycle with N stakeholders (each owning an item and a metric) is triggered;
   the outbox rows are delivered by ``dramatiq workers.actors -p 2`` on a private Redis
   (SQLite file, or DATABASE_URL when it names PostgreSQL). Timed from the trigger until the
   sink has accepted all 2N emails (an invitation and an update request each).
2. The floor: the same 2N emails, loaded beforehand, rendered and sent over one SMTP
   connection by a plain loop (no queue, no database).
Prints both, and the ratio floor/system (target: at least 0.5).
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.policy
import os
import smtplib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqdm import tqdm  # noqa: E402

from bench.support import CountingSink, start_workers  # noqa: E402
from tests.services import RedisServer  # noqa: E402

#: Seconds to wait for the system run before giving up.
TIMEOUT = 1800

#: Rows per INSERT when creating the stakeholders.
BATCH = 500


def make_cycle(n: int, label: str) -> int:
    """Create a programme and a drafted cycle with ``n`` stakeholders; return the cycle id."""
    from models import ActionItem, Metric, Person, Programme
    from workers.followup.setup import CycleSpec, StakeholderSpec, create_cycle

    programme = Programme.create(name=f"Bench {label}", timezone="Europe/London")
    zones = ["Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Berlin"]
    rows = [
        {
            "name": f"Person {label} {i}",
            "email": f"{label}{i}@example.org",
            "timezone": zones[i % 4],
        }
        for i in range(n)
    ]
    for start in range(0, n, BATCH):
        Person.insert_many(rows[start : start + BATCH]).execute()
    people = list(Person.select().where(Person.email.startswith(label)).order_by(Person.id))
    items = [
        {
            "programme": programme.id,
            "title": f"Action for {p.name}",
            "owner": p.id,
            "due_date": dt.date(2027, 1, 15),
        }
        for p in people
    ]
    for start in range(0, n, BATCH):
        ActionItem.insert_many(items[start : start + BATCH]).execute()
    for i in range(min(n, 20)):
        Metric.create(
            programme=programme, name=f"Metric {i}", owner=people[i], baseline=10, target=20
        )
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=10)
    spec = CycleSpec(
        title=f"Bench follow-up {label}",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        timezone="Europe/London",
        location="Room 1",
        stakeholders=[StakeholderSpec(person_id=p.id) for p in people],
    )
    return create_cycle(programme, spec).id


def system(n: int, sink: CountingSink, processes: int, threads: int) -> tuple[float, float, list]:
    """Trigger a cycle through the workers; return (seconds to last email, trigger time, rows)."""
    from models import OutboundEmail
    from workers.followup.trigger import trigger

    workers_proc = start_workers(dict(os.environ), processes, threads)
    try:
        warm = make_cycle(processes * threads * 2, "warm")
        sink.count = 0
        trigger(warm)
        sink.wait_for(processes * threads * 4, "warm-up", TIMEOUT)
        cycle_id = make_cycle(n, "bench")
        sink.count = 0
        start = time.perf_counter()
        trigger(cycle_id)
        triggered = time.perf_counter() - start
        sink.wait_for(2 * n, f"workers ({processes}x{threads})", TIMEOUT)
        elapsed = time.perf_counter() - start
    finally:
        workers_proc.terminate()
        workers_proc.wait(timeout=30)
    rows = list(
        OutboundEmail.select().where(OutboundEmail.idem_key.startswith(f"cycle:{cycle_id}:"))
    )
    return elapsed, triggered, rows


def floor(rows: list, sink: CountingSink) -> float:
    """Render and send the same emails over one connection with a plain loop; return seconds."""
    from workers.outbound.render import make_message

    plain = [
        (
            r.kind,
            r.to_addr,
            r.ctx,
            r.message_id,
            r.reply_to,
            r.calendar,
            r.calendar_method,
            r.ctx.get("recipient_name", ""),
        )
        for r in rows
    ]
    conn = smtplib.SMTP("127.0.0.1", sink.port)
    sink.count = 0
    start = time.perf_counter()
    for kind, to, ctx, message_id, reply_to, ics, method, name in tqdm(plain, desc="plain loop"):
        message = make_message(
            kind,
            to,
            ctx,
            mail_from="Tandem <tandem@tandem.test>",
            message_id=message_id,
            reply_to=reply_to,
            calendar=ics,
            calendar_method=method,
            to_name=name,
        )
        conn.sendmail("bounce@tandem.test", [to], message.as_bytes(policy=email.policy.SMTP))
    elapsed = time.perf_counter() - start
    conn.quit()
    return elapsed


def setup_env(sink: CountingSink, redis: RedisServer) -> None:
    """Point Tandem at a fresh database, the private Redis and the sink; create the tables."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = f"sqlite:///{tempfile.mkdtemp(prefix='tandem-bench-')}/bench.db"
    os.environ.update(
        {
            "TANDEM_ENV": "dev",  # a dev run: no SECRET_KEY needed
            "DATABASE_URL": url,
            "REDIS_URL": redis.url,
            "SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
            "PYTHONPATH": str(ROOT),
            "REPLY_DOMAIN": "tandem.test",
            "MAIL_FROM": "Tandem <tandem@tandem.test>",
        }
    )
    from models import init_db
    from models.migrations import migrate

    init_db(url).connect()
    migrate()
    import workers.actors  # noqa: F401  (the broker on the private Redis)


def main() -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="stakeholders")
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process")
    args = parser.parse_args()
    sink = CountingSink()
    sink.controller.start()
    redis = RedisServer()
    try:
        setup_env(sink, redis)
        elapsed, triggered, rows = system(args.n, sink, args.processes, args.threads)
        plain = floor(rows, sink)
    finally:
        redis.stop()
        sink.controller.stop()
    emails = 2 * args.n
    print(f"stakeholders: {args.n}, emails: {emails}")
    print(f"trigger (outbox rows committed): {triggered:.2f} s")
    print(f"system: {elapsed:.2f} s until the sink had every email ({emails / elapsed:.0f}/s)")
    print(f"floor:  {plain:.2f} s, plain loop over one connection ({emails / plain:.0f}/s)")
    print(f"ratio floor/system: {plain / elapsed:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
