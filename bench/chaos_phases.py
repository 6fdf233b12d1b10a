"""The chaos run's phases, once the environment points at its own database, Redis and relay:
the load and the faults while it flows, the session and its summary, and draining the rest."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from pathlib import Path

from bench import chaos_report as report
from bench.chaos_cluster import Cluster, admin_url, drop_database
from bench.chaos_load import make_world, notes_reply, replies_to, targets
from bench.chaos_replies import ReplySenders
from bench.chaos_steps import Run, drain, init, settled, travel_through, wait_until
from models import db


def reply_feeder(run: Run, found: dict, stop: threading.Event) -> None:
    """Send each stakeholder's replies once their update request has been accepted."""
    rng = random.Random(5)
    seen: set[str] = set()
    while not stop.is_set():
        for message_id in list(run.sink.copies()):
            if message_id in found and message_id not in seen:
                seen.add(message_id)
                now, later = replies_to(found[message_id], rng)
                run.senders.send(now)
                run.later.extend(later)
        stop.wait(0.5)


#: The longest wait between two faults, when deliveries slow down (the rest wait for backoffs).
PACE = 10.0


def live_faults(run: Run, faults: list[str], total: int) -> None:
    """Make each fault once a share of the emails has been delivered since the last one."""
    step = max(3, total // (len(faults) + 3))
    for fault in faults:
        mark = run.sink.count()
        if fault == "listener":
            wait_until(run, lambda: run.senders.pending() > 5, 120, "replies to arrive")
        else:
            wait_until(run, lambda mark=mark: run.sink.count() >= mark + step, PACE)
        run.fault(fault)


def session_phase(run: Run, world: dict, summary_faults: list[str]) -> None:
    """Move the clock past the session; answer the notes request; fault the summary."""
    after = world["ends_at"] + dt.timedelta(minutes=5)
    travel_through(run, after, "the session is over", lambda: settled(run))
    request = wait_until(run, lambda: report.notes_request(world["cycle_id"]), 120, "notes request")
    if request is not None:
        run.senders.send([notes_reply(request, world["cycle_id"])])
        run.say("the facilitator's notes sent")
    wait_until(run, lambda: report.summary_queued(world["cycle_id"]), 180, "summary queued")
    run.say("summary written to the outbox")
    for fault in summary_faults:
        mark = run.sink.count()
        wait_until(run, lambda mark=mark: run.sink.count() > mark + 5, 60, "summaries")
        run.fault(fault)


def run_all(args, folder: Path, env: dict, redis, sink, database: str | None) -> None:
    """Run the load and the faults on the prepared pieces, then print the figures."""
    run = Run(time.monotonic() + args.budget, sink, env)
    init(env)
    cluster = Cluster(folder, env, redis)
    run.cluster = cluster
    stop = threading.Event()
    figures = None
    try:
        sink.start()
        cluster.start_all()
        run.say(f"started: workers, scheduler, listener; logs in {folder}")
        world = make_world(args.stakeholders)
        run.world = world
        found = targets(world["cycle_id"])
        run.say(f"cycle of {args.stakeholders} triggered, mentoring series scheduled")
        run.senders = ReplySenders(int(env["MAILIN_PORT"]))
        threading.Thread(target=reply_feeder, args=(run, found, stop), daemon=True).start()
        faults = [f for f in args.faults.split(",") if f]
        live_faults(run, faults, report.email_figures({})["expected"])
        drain(run, lambda: settled(run), "every email delivered, every reply finished")
        run.senders.send(run.later)
        run.say(f"{len(run.later)} second updates and resent replies sent")
        drain(run, lambda: settled(run), "every second reply finished")
        session_phase(run, world, [f for f in args.summary_faults.split(",") if f])
        drain(run, run.done, "every email delivered, every reply finished, summary out")
    finally:
        stop.set()
        if run.senders is not None:
            run.senders.stop()
        cluster.stop()
        sink.stop()
        if run.world:
            figures = run.figures()
        db.close()
        if database:
            drop_database(admin_url(env["DATABASE_URL"]), database)
    run.print_figures(figures)
