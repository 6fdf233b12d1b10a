"""Run Tandem across hosts: Redis and PostgreSQL on one, workers on two, listener on a fourth.

Run (as root, needs ``ip netns``): ``.venv/bin/python bench/hosts.py`` (``--n 1000 --replies 500``)

1. Makes network namespaces ``tandem-db``, ``tandem-w1``, ``tandem-w2`` and ``tandem-front``,
   each with a veth link to a bridge in ``tandem-sw``, on 10.213.7.0/24 (only inside them).
2. tandem-db runs a private redis-server and PostgreSQL cluster; tandem-front runs an SMTP sink,
   ``flask --app web mailin``, ``flask --app web scheduler`` and this driver; the worker hosts
   run ``dramatiq workers.actors``.
3. With 1, 2 and 4 worker processes in all (spread over both worker hosts): fan-out (a
   follow-up cycle triggered, timed until the sink has every Message-ID) and fan-in (replies
   sent to the listener, timed until every one is final). Prints emails/s and replies/s.
4. With 4 processes, fan-out and fan-in together; SIGKILL every process on tandem-w1 once a
   third of the emails arrived; wait for tandem-w2 to finish everything.
Last line: ``lost=N hosts_ok=yes|no``. Everything is torn down at the end, also on error.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import hosts_net  # noqa: E402
from bench.hosts_net import PREFIX, in_ns  # noqa: E402

#: Fraction of the kill run's emails delivered before tandem-w1 is killed.
KILL_AT = 1 / 3


def inside(args: argparse.Namespace) -> None:
    """Run every measurement from the front host and print the figures."""
    from bench import hosts_run as hr

    deadline = hr.Deadline(args.timeout)
    logs = Path(args.logs)
    os.environ.update({"MAILIN_HOST": hr.FRONT, "MAILIN_PORT": str(hr.MAILIN_PORT)})
    os.environ["SMTP_URL"] = f"smtp://{hr.FRONT}:{hr.SINK_PORT}"
    from models import init_db
    from models.migrations import migrate

    init_db(os.environ["DATABASE_URL"]).connect(reuse_if_open=True)
    migrate()
    import workers.actors  # noqa: F401  (the broker on the db host's Redis)

    sink = hr.RecordingSink()
    sink.controller.start()
    flask = [sys.executable, "-m", "flask", "--app", "web"]
    services = [hr.start([*flask, "mailin"], logs / "mailin.log")]
    services.append(hr.start([*flask, "scheduler"], logs / "scheduler.log"))
    hosts_net.wait_tcp(f"{PREFIX}front", hr.FRONT, hr.MAILIN_PORT)
    targets = hr.people(args.replies)
    try:
        for total in (1, 2, 4):
            measure(hr, sink, total, targets, args, deadline)
        lost, ok = kill_run(hr, sink, targets, args, deadline)
    finally:
        hr.stop(services)
        sink.controller.stop()
    print(f"lost={lost} hosts_ok={'yes' if ok else 'no'}")


def measure(hr, sink, total: int, targets: list, args, deadline) -> None:
    """Time fan-out and fan-in with ``total`` worker processes; print both rates."""
    workers = hr.start_workers(total, Path(args.logs))
    try:
        hr.fan_out(sink, 4 * total * hr.THREADS, f"warm{total}x", deadline)
        seconds, expected = hr.fan_out(sink, args.n, f"out{total}x", deadline)
        missing = sink.missing(expected)
        replies, unfinished = hr.fan_in(targets, args.replies, 100 + total, deadline)
    finally:
        hr.stop(workers)
    spread = " + ".join(f"{c} on {h}" for h, c in hr.SPREAD[total].items())
    print(
        f"{total} worker process(es) ({spread}): "
        f"fan-out {len(expected) / seconds:.0f} emails/s ({len(expected)} in {seconds:.2f} s, "
        f"missing {missing}); fan-in {args.replies / replies:.0f} replies/s "
        f"({args.replies} in {replies:.2f} s, unfinished {unfinished})",
        flush=True,
    )


def kill_run(hr, sink, targets: list, args, deadline) -> tuple[int, bool]:
    """Fan-out and fan-in on 4 processes; kill tandem-w1 mid-run; return (lost, w2 finished)."""
    workers = hr.start_workers(4, Path(args.logs))
    try:
        hr.fan_out(sink, 4 * hr.THREADS, "warmkill", deadline)
        result: dict = {}
        fan_in = threading.Thread(
            target=lambda: result.update(
                zip(("s", "left"), hr.fan_in(targets, args.replies, 999, deadline), strict=True)
            )
        )
        out = threading.Thread(
            target=lambda: result.update(
                zip(("out", "ids"), hr.fan_out(sink, args.n, "kill", deadline), strict=True)
            )
        )
        base = accepted(sink)
        began = time.perf_counter()
        out.start()
        fan_in.start()
        hr.wait(lambda: accepted(sink) - base >= KILL_AT * args.n, deadline, 0.02)
        killed = hosts_net.kill_host(f"{PREFIX}w1")
        at = time.perf_counter() - began
        out.join()
        fan_in.join()
        w2_alive = workers[1].poll() is None
    finally:
        hr.stop(workers)
    ids = result["ids"]
    missing = sink.missing(ids)
    twice = sum(1 for m in ids if sink.seen[m] > 1)
    print(
        f"kill run: SIGKILLed {killed} processes on tandem-w1 after {at:.1f} s; "
        f"emails {len(ids) - missing}/{len(ids)} in {result['out']:.1f} s (twice {twice}); "
        f"replies {args.replies - result['left']}/{args.replies} final in {result['s']:.1f} s"
    )
    lost = missing + result["left"]
    return lost, w2_alive and lost == 0


def accepted(sink) -> int:
    """Return how many emails the sink has accepted so far."""
    with sink.lock:
        return sum(sink.seen.values())


def outside(args: argparse.Namespace) -> int:
    """Build the hosts, run ``inside`` on the front host, and tear everything down."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        raise SystemExit("bench/hosts.py needs root and iproute2 (ip netns)")
    hosts_net.teardown()  # namespaces left by a run that was killed
    folder = hosts_net.scratch()
    try:
        hosts_net.build()
        database_url, redis_url = hosts_net.start_db_host(folder)
        env = {
            **os.environ,
            "TANDEM_ENV": "dev",
            "SECRET_KEY": "hosts-bench-secret",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "REPLY_DOMAIN": "tandem.test",
            "MAIL_FROM": "Tandem <tandem@tandem.test>",
            "PYTHONPATH": str(ROOT),
        }
        command = [sys.executable, __file__, "--inside", "--logs", str(folder)]
        command += ["--n", str(args.n), "--replies", str(args.replies)]
        command += ["--timeout", str(args.timeout)]
        print(f"logs: {folder}", flush=True)
        inner = subprocess.run(
            in_ns(f"{PREFIX}front", *command), env=env, timeout=args.timeout + 60
        )
        return inner.returncode
    finally:
        hosts_net.teardown()
        if not args.keep_logs:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="emails per fan-out run")
    parser.add_argument("--replies", type=int, default=500, help="replies per fan-in run")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for the whole run")
    parser.add_argument("--keep-logs", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--logs", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        inside(args)
        return
    raise SystemExit(outside(args))


if __name__ == "__main__":
    main()
