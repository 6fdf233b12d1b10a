"""Put mutated and generated messages through the parse-and-apply path and count the outcomes.

Run: ``.venv/bin/python bench/fuzz_inbound.py`` (``--n 100000`` for the full run; SQLite by
default, ``--database-url postgresql://...`` for PostgreSQL: it must name an empty database).

Each message is stored as the listener stores it, then processed by the inbound worker's own
function (claim, read, guards, classify, match, trim, apply). Seeds: replies, a calendar
reply, a bounce and an auto-reply made for a real person and objects, plus the shared corpus
when it is beside the project. Targets: 0 unhandled exceptions, and every stored message ends
applied, recorded (auto-reply, bounce, duplicate) or quarantined.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from tqdm import tqdm  # noqa: E402

from tests.services import RedisServer  # noqa: E402

#: Statuses a processed message may end in.
FINAL = {"applied", "auto_reply", "bounce", "quarantined", "duplicate"}


def prepare(database_url: str) -> RedisServer:
    """Point Tandem at a private Redis and a fresh database; return the Redis server."""
    redis = RedisServer()
    folder = tempfile.mkdtemp(prefix="tandem-fuzz-")
    os.environ.update(
        {
            "REDIS_URL": redis.url,
            "DATABASE_URL": database_url or f"sqlite:///{folder}/fuzz.db",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "fuzz-" + "k" * 40),
            "TANDEM_ENV": "dev",
            "REPLY_DOMAIN": "tandem.test",
            "MAIL_FROM": "Tandem <tandem@tandem.test>",
        }
    )
    from models import init_db
    from models.migrations import migrate
    from workers import settings as settings_mod

    settings_mod.configure(settings_mod.load_settings(dict(os.environ)))
    init_db(os.environ["DATABASE_URL"]).connect(reuse_if_open=True)
    migrate()
    return redis


def fuzz(n: int) -> tuple[collections.Counter, list[str], int]:
    """Run ``n`` generated messages; return (outcome counts, tracebacks, messages stored)."""
    import workers.actors  # noqa: F401  (the appliers and actors, after the settings)
    from models import InboundMessage
    from tests.fuzzing import make_seeds, mutated
    from workers.inbound import store, worker

    seeds = make_seeds()
    counts: collections.Counter = collections.Counter()
    failures: list[str] = []
    bar = tqdm(total=n, unit="msg", file=sys.stderr)

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(raw=mutated(seeds))
    def one(raw: bytes) -> None:
        bar.update()
        try:
            row, new = store.store_raw(raw, "fuzz", "", ["reply+x@tandem.test"])
            if new:
                worker.process(row.id)
            counts["generated"] += 1
        except Exception:  # counted and shown: the target is none
            counts["unhandled"] += 1
            if len(failures) < 5:
                failures.append(traceback.format_exc())

    one()
    bar.close()
    statuses = collections.Counter(
        row.status for row in InboundMessage.select(InboundMessage.status)
    )
    return counts + statuses, failures, sum(statuses.values())


def main() -> None:
    """Parse the arguments, run the fuzzing and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="messages to generate")
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    args = parser.parse_args()
    redis = prepare(args.database_url)
    try:
        counts, failures, stored = fuzz(args.n)
    finally:
        redis.stop()
    unfinished = stored - sum(counts[s] for s in FINAL)
    for trace in failures:
        print(trace, file=sys.stderr)
    print(f"generated: {counts['generated'] + counts['unhandled']}, stored (distinct): {stored}")
    print("outcomes: " + ", ".join(f"{s}={counts[s]}" for s in sorted(FINAL)))
    print(f"unhandled={counts['unhandled']} unfinished={unfinished}")
    sys.exit(1 if counts["unhandled"] or unfinished else 0)


if __name__ == "__main__":
    main()
