"""Measure outbox delivery through real worker processes against a plain SMTP loop.

Run: ``/tmp/venv/bin/python bench/bench_delivery.py --n 2000``

1. The floor: N emails rendered and sent over one SMTP connection by a plain loop.
2. The queue: N emails written to the outbox (SQLite file) and delivered by
   ``dramatiq workers.actors -p 2`` on a private Redis, timed until the sink has all N.
Both send to the same aiosmtpd sink in this process. Prints both rates and their ratio.
"""

from __future__ import annotations

import argparse
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
from tests.services import PostgresDatabase, RedisServer  # noqa: E402

#: Emails each worker thread gets before timing starts (opens connections, warms caches).
WARM_UP_PER_THREAD = 2

#: Emails written per transaction; delivery of a batch is enqueued when it commits.
BATCH = 100

#: Seconds to wait for the queued run before giving up.
TIMEOUT = 600

CTX = {"subject": "Your follow-up session", "body": "Please send your progress update."}


def floor(n: int, sink: CountingSink) -> float:
    """Render and send ``n`` emails over one connection with a plain loop; return seconds."""
    from workers.outbound.render import make_message

    conn = smtplib.SMTP("127.0.0.1", sink.port)
    start = time.perf_counter()
    for i in tqdm(range(n), desc="plain loop", unit="email"):
        message = make_message(
            "ping",
            f"p{i}@example.org",
            {**CTX, "recipient_name": f"Person {i}"},
            mail_from="Tandem <tandem@tandem.test>",
            message_id=f"<floor-{i}@tandem.test>",
            to_name=f"Person {i}",
        )
        conn.sendmail(
            "bounce@tandem.test", [f"p{i}@example.org"], message.as_bytes(policy=email.policy.SMTP)
        )
    elapsed = time.perf_counter() - start
    conn.quit()
    return elapsed


def make_people(count: int, prefix: str) -> list:
    """Create the recipients (they exist before anyone emails them, so this is not timed)."""
    from models import Person, db

    with db.atomic():
        return [
            Person.create(name=f"{prefix} {i}", email=f"{prefix}{i}@example.org")
            for i in range(count)
        ]


def queue_emails(people: list, prefix: str) -> None:
    """Write one email per person to the outbox, a batch per transaction, as an action would."""
    from workers.outbound import outbox

    for first in range(0, len(people), BATCH):
        with outbox.transaction():
            for person in people[first : first + BATCH]:
                outbox.queue_email("ping", person, CTX, key=f"{prefix}:{person.id}")


def environment(sink: CountingSink, database_url: str, redis: RedisServer) -> dict:
    """Point Tandem (this process and the workers) at the bench's database, Redis and sink."""
    env = {
        **os.environ,
        "TANDEM_ENV": "dev",  # a dev run: no SECRET_KEY needed
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    return env


def queued(n: int, sink: CountingSink, env: dict, processes: int, threads: int) -> float:
    """Deliver ``n`` outbox emails through worker processes; return seconds until all arrived."""
    from models import init_db
    from models.migrations import migrate

    init_db(env["DATABASE_URL"]).connect()
    migrate()
    workers_proc = start_workers(env, processes, threads)
    try:
        warm_up = WARM_UP_PER_THREAD * processes * threads
        sink.count = 0
        queue_emails(make_people(warm_up, "warm"), "warm")
        sink.wait_for(warm_up, "warm-up", TIMEOUT)
        people = make_people(n, "bench")
        sink.count = 0
        start = time.perf_counter()
        queue_emails(people, "bench")
        print(
            f"queued {n} emails in {time.perf_counter() - start:.2f} s (timed as part of the run)"
        )
        sink.wait_for(n, f"queue ({processes}x{threads})", TIMEOUT)
        return time.perf_counter() - start
    finally:
        workers_proc.terminate()
        workers_proc.wait(timeout=30)


def main() -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="emails per run")
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process")
    parser.add_argument(
        "--postgresql", action="store_true", help="use a new database on the test PostgreSQL"
    )
    args = parser.parse_args()
    sink = CountingSink()
    sink.controller.start()
    redis = RedisServer()
    postgres = PostgresDatabase() if args.postgresql else None
    try:
        url = postgres.url if postgres else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
        # Before anything imports ``workers``, whose broker reads REDIS_URL once.
        env = environment(sink, url, redis)
        plain = floor(args.n, sink)
        sink.count = 0
        pipeline = queued(args.n, sink, env, args.processes, args.threads)
    finally:
        sink.controller.stop()
        redis.stop()
        if postgres:
            from models import db

            db.close()
            postgres.drop()
    plain_rate, pipeline_rate = args.n / plain, args.n / pipeline
    print(f"plain loop, one connection: {plain_rate:8.1f} emails/s ({plain:.2f} s)")
    print(
        f"outbox + {args.processes} workers:      {pipeline_rate:8.1f} emails/s ({pipeline:.2f} s)"
    )
    print(
        f"ratio: {pipeline_rate / plain_rate:.2f} ({'PostgreSQL' if args.postgresql else 'SQLite'})"
    )


if __name__ == "__main__":
    main()
