"""Measure the at-risk rules on a simulated cohort with known drop-outs.

Run: ``.venv/bin/python bench/bench_atrisk.py`` (``--n 300``, ``--seed 1``)

A seeded cohort (``bench/atrisk_cohort.py``: steady, noisy-but-fine, slowly disengaging and
abruptly stopping participants) lives through 12 weeks on SQLite. The rules run week by week
with a moving ``now`` (``refresh_flags``), as the scheduler would run them. A participant
counts as flagged if a flag was raised for them at any point. Prints the precision and recall
of the flags against the known drop-outs, and how many days before dropping out each drop-out
was first flagged (negative: after), overall and per kind of participant.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.atrisk_cohort import START, WEEKS, Member, make_cohort  # noqa: E402
from models import RiskFlag, db, init_db  # noqa: E402
from models.migrations import migrate  # noqa: E402
from workers.tracking.atrisk import refresh_flags  # noqa: E402


def first_flags(programme_id: int) -> tuple[dict[int, dt.datetime], Counter]:
    """Run the rules each week; return when each person was first flagged, and the reasons."""
    first: dict[int, dt.datetime] = {}
    reasons: Counter = Counter()
    for week in range(1, WEEKS + 1):
        now = START + dt.timedelta(weeks=week)
        for flag in refresh_flags(programme_id, now):
            first.setdefault(flag.person_id, now)
            reasons.update(r["signal"] for r in flag.reasons)
    return first, reasons


def report(members: list[Member], first: dict[int, dt.datetime]) -> tuple[float, float, float]:
    """Print precision, recall and lead times; return (precision, recall, median lead)."""
    dropouts = {m.person_id for m in members if m.stop is not None}
    flagged = set(first)
    hits = flagged & dropouts
    precision = len(hits) / len(flagged) if flagged else 0.0
    recall = len(hits) / len(dropouts) if dropouts else 0.0
    leads = {}
    for kind in ("steady", "noisy", "slow", "abrupt"):
        group = [m for m in members if m.kind == kind]
        caught = [m for m in group if m.person_id in flagged]
        line = f"{kind:7s} {len(group):4d} people, {len(caught):4d} flagged"
        if group and group[0].stop is not None:
            days = [m.stop - (first[m.person_id] - START).total_seconds() / 86400 for m in caught]
            leads[kind] = days
            if days:
                line += f", median {statistics.median(days):+.1f} days before dropping out"
        print(line)
    every = leads.get("slow", []) + leads.get("abrupt", [])
    median = statistics.median(every) if every else float("nan")
    return precision, recall, median


def main() -> None:
    """Simulate, run the rules week by week, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="participants")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="tandem-bench-")
    init_db(f"sqlite:///{folder}/atrisk.db").connect()
    try:
        migrate()
        started = time.perf_counter()
        programme_id, members = make_cohort(args.n, args.seed)
        print(f"cohort of {args.n} simulated in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        first, reasons = first_flags(programme_id)
        elapsed = time.perf_counter() - started
        print(f"rules run {WEEKS} times in {elapsed:.2f} s; reasons given: {dict(reasons)}")
        open_now = RiskFlag.select().where(RiskFlag.cleared_at.is_null()).count()
        print(f"flags open at the end: {open_now}")
        precision, recall, lead = report(members, first)
    finally:
        db.close()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"at-risk: precision={precision:.2f} recall={recall:.2f} median_lead_days={lead:+.1f}")


if __name__ == "__main__":
    main()
