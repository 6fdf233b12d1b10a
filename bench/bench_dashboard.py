"""Time the progress dashboard on a programme of 10,000 participants and 1,000,000 events.

Run: ``.venv/bin/python bench/bench_dashboard.py`` (``--participants``, ``--events``, ``--calls``)

On SQLite (a temporary file) and, when a PostgreSQL server answers on 127.0.0.1:5432, on a
database of its own there:

1. build the programme (people, cohorts, mentors, assignments, goals, events) in one
   transaction, then let the database gather its statistics, as a running one has;
2. time the at-risk computation: ``refresh_flags`` over the whole programme;
3. time building personal progress reports as PDFs (1,000 by default, ``--pdfs``);
4. time the dashboard (``summary``) over calls with varied filters (department, cohort,
   mentor, period and combinations): p50 and p95;
5. the floor: the same aggregates as hand-written SQL on the same database, called in turn
   with the dashboard on the same filters.

Prints each database's figures and the ratio floor/ours (targets: p95 under 150 ms, ratio at
least 0.5); the last line gives the worst p95 and the lowest ratio of the databases run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# A dev run, as every benchmark is: the PDF helpers read the settings, which want a
# SECRET_KEY outside TANDEM_ENV=dev.
os.environ.setdefault("TANDEM_ENV", "dev")

from bench import dashboard_floor, personal_pdfs, tracking_data  # noqa: E402
from models import db, init_db  # noqa: E402
from models.migrations import migrate  # noqa: E402
from tests import services  # noqa: E402
from workers.tracking import atrisk, dashboard  # noqa: E402
from workers.tracking.scope import Scope  # noqa: E402

#: Dashboard calls made before timing starts (caches and prepared statements warm).
WARM_UP = 3


def scopes(programme_id: int, calls: int, seed: int = 3) -> list[Scope]:
    """Return the filters to time: the whole programme, then varied ones, ``calls`` in all."""
    rng = random.Random(seed)
    start, now = tracking_data.START, tracking_data.NOW
    periods = [
        (now - dt.timedelta(weeks=4), None),
        (now - dt.timedelta(weeks=12), None),
        (start, start + dt.timedelta(weeks=12)),
        (start + dt.timedelta(weeks=8), start + dt.timedelta(weeks=16)),
    ]
    mentors = [m for (m,) in db.execute_sql("SELECT mentor_id FROM mentoring_group").fetchall()]
    cohorts = [c for (c,) in db.execute_sql("SELECT id FROM cohort").fetchall()]

    def pick() -> dict:
        kind = rng.choice(("department", "cohort", "mentor", "period", "two"))
        if kind == "two":
            return {**pick(), **pick()}
        if kind == "department":
            return {"department": f"School {rng.randrange(tracking_data.DEPARTMENTS)}"}
        if kind == "cohort":
            return {"cohort_id": rng.choice(cohorts)}
        if kind == "mentor":
            return {"mentor_id": rng.choice(mentors)}
        first, last = rng.choice(periods)
        return {"start": first, "end": last}

    return [Scope(programme_id)] + [Scope(programme_id, **pick()) for _ in range(calls - 1)]


def time_dashboard(filters: list[Scope], now: dt.datetime) -> tuple[list[float], list[float]]:
    """Call the dashboard and the floor on each filter, in turn; return both lists of ms."""
    for scope in filters[:WARM_UP]:
        dashboard.summary(scope, now)
        dashboard_floor.summary(scope, now)
    times: dict[str, list[float]] = {"ours": [], "floor": []}
    runs = {"ours": dashboard.summary, "floor": dashboard_floor.summary}
    for i, scope in enumerate(filters):
        results = {}
        for name in ("ours", "floor") if i % 2 == 0 else ("floor", "ours"):
            started = time.perf_counter()
            results[name] = runs[name](scope, now)
            times[name].append(1000 * (time.perf_counter() - started))
        check(scope, results["ours"], results["floor"])
    return times["ours"], times["floor"]


def check(scope: Scope, ours: dict, floor: dict) -> None:
    """Stop when the dashboard and the floor disagree on the numbers they computed."""
    mine = (
        ours["assignments"]["set"],
        ours["programme_completion"]["completed"],
        ours["at_risk"]["open"],
        len(ours["engagement"]),
    )
    theirs = (floor["assignments"][0], floor["completion"][1][0], floor["at_risk"][0][0])
    if mine != (*theirs, len(floor["weeks"])):
        raise SystemExit(f"dashboard {mine} and floor {theirs} differ for {scope}")


def p95(values: list[float]) -> float:
    """Return the 95th percentile."""
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def analyze(url: str) -> None:
    """Let the database gather statistics on the tables just filled, as a running one has."""
    if url.startswith("postgresql"):
        db.execute_sql("VACUUM ANALYZE")
        # Write the loaded pages out now rather than in a checkpoint during the timed calls.
        db.execute_sql("CHECKPOINT")
    else:
        db.execute_sql("ANALYZE")


def run(label: str, url: str, args) -> tuple[float, float]:
    """Build, then time at-risk and the dashboard on one database; return (p95, ratio)."""
    init_db(url).connect()
    try:
        migrate()
        started = time.perf_counter()
        programme_id = tracking_data.build(args.participants, args.events)
        built = time.perf_counter() - started
        analyze(url)
        size = f"{args.participants} participants, {args.events} events"
        print(f"{label}: built {size} in {built:.1f} s")
        started = time.perf_counter()
        raised = atrisk.refresh_flags(programme_id, tracking_data.NOW)
        print(f"{label}: at-risk {time.perf_counter() - started:.2f} s, {len(raised)} flagged")
        if args.pdfs:
            found = personal_pdfs.time_pdfs(programme_id, tracking_data.NOW, args.pdfs)
            print(personal_pdfs.line(label, found))
        analyze(url)
        ours, floor = time_dashboard(scopes(programme_id, args.calls), tracking_data.NOW)
    finally:
        db.close()
    ratio = sum(floor) / sum(ours)
    print(
        f"{label}: dashboard p50={statistics.median(ours):.1f} ms p95={p95(ours):.1f} ms;"
        f" floor p50={statistics.median(floor):.1f} ms p95={p95(floor):.1f} ms;"
        f" ratio={ratio:.2f} ({len(ours)} calls)"
    )
    return p95(ours), ratio


def main() -> None:
    """Run on SQLite, and on PostgreSQL when it answers; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=30, help="timed dashboard calls")
    parser.add_argument("--pdfs", type=int, default=1000, help="personal PDFs to time (0: none)")
    args = parser.parse_args()
    results = {}
    folder = tempfile.mkdtemp(prefix="tandem-bench-")
    try:
        results["sqlite"] = run("sqlite", f"sqlite:///{folder}/bench.db", args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    reason = services.postgres_available()
    if reason is None:
        results["postgresql"] = on_postgres(args)
    else:
        print(f"postgresql: skipped ({reason})")
    worst = max(results, key=lambda k: results[k][0])
    lowest = min(results, key=lambda k: results[k][1])
    print(
        f"dashboard: p95={results[worst][0]:.1f} ms ({worst}; target < 150)"
        f" ratio={results[lowest][1]:.2f} ({lowest}; floor/ours, target >= 0.5)"
    )


def on_postgres(args) -> tuple[float, float]:
    """Run on a database of our own on the PostgreSQL server, dropped afterwards."""
    name = f"tandem_bench_{os.getpid()}"
    admin = psycopg2.connect(services.POSTGRES_ADMIN_URL, connect_timeout=3)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        base = services.POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
        return run("postgresql", f"{base}/{name}", args)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


if __name__ == "__main__":
    main()
