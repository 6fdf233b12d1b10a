"""Measure the inbound workers alone against the floor of parsing and trimming.

Run: ``.venv/bin/python bench/bench_inbound_workers.py --n 6000`` (``make bench`` runs it too)

The N messages of ``bench_inbound.py`` are stored and enqueued in batches of ``--batch`` ids
first, with no listener; then ``dramatiq workers.actors -p 2`` (at the Procfile's lower CPU
priority) applies them. It prints their rate, their CPU per message, how busy they kept the
cores (below 100 %: waits for the SQLite write lock or the broker) and, measured in the same
run, the floor and the ratio. This isolates the workers from the listener and the senders
that share the machine in ``bench_inbound.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_inbound import (  # noqa: E402
    PEOPLE,
    WARM_UP,
    cpu_seconds,
    finished,
    floor,
    make_targets,
    prepare,
    start,
    wait_until,
)
from bench.inbound_corpus import generate  # noqa: E402
from bench.support import WORKER_NICE  # noqa: E402


def store_and_enqueue(messages: list, batch: int) -> int:
    """Store the messages as the listener would and enqueue their ids; return how many."""
    from workers.inbound import store, worker

    arrivals = [store.Arrival(raw, "smtp", mail_from, rcpts) for mail_from, rcpts, raw in messages]
    ids = [row.id for row, new in store.store_many(arrivals) if new]
    for first in range(0, len(ids), batch):
        worker.enqueue_many(ids[first : first + batch])
    return len(ids)


def main() -> None:
    """Store, enqueue, time the workers and the floor, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="messages per run")
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    parser.add_argument("--batch", type=int, default=40, help="ids per broker message")
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    args = parser.parse_args()
    args.smtp_url = ""
    env = prepare(args)
    redis = env.pop("_redis")
    workers = None
    try:
        targets = make_targets(min(PEOPLE, max(1, args.n // 4)))
        messages = generate(targets, args.n)
        warm = generate(targets, WARM_UP, seed=1)
        before = floor(messages, "before")
        total = store_and_enqueue(warm, args.batch)
        total += (count := store_and_enqueue(messages, args.batch))
        command = [*WORKER_NICE, sys.executable, "-m", "dramatiq", "workers.actors"]
        command += ["-p", str(args.processes), "-t", "1", "-Q", "inbound"]
        workers = start(command, env)
        while finished() < len(warm):  # the workers have booted and taken the warm-up batch
            time.sleep(0.02)
        done, cpu, began = finished(), cpu_seconds(workers.pid), time.perf_counter()
        wait_until(total, f"workers alone ({args.processes} processes)")
        elapsed = time.perf_counter() - began
        used = cpu_seconds(workers.pid) - cpu
        applied = total - done
        after = floor(messages, "after")
    finally:
        if workers is not None:
            workers.terminate()
            workers.wait(timeout=60)
        redis.stop()
    plain = (before + after) / 2
    floor_rate, rate = count / plain, applied / elapsed
    busy = 100 * used / elapsed / min(args.processes, os.cpu_count() or 1)
    label = "floor, parse + trim in one process:"
    print(f"{label:40s}{floor_rate:8.1f} msg/s")
    label = f"workers alone ({args.processes} processes):"
    cost = f"{1000 * used / applied:.2f} ms CPU per message, {busy:.0f} % of the cores busy"
    print(f"{label:40s}{rate:8.1f} msg/s ({cost})")
    print(f"ratio: {rate / floor_rate:.2f}")


if __name__ == "__main__":
    main()
