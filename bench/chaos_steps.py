"""The chaos run's state and steps: saying what happens, making a fault and timing the
recovery, moving the shared clock, waiting with a budget, and the final figures."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import redis

from bench import chaos_report as report
from models import clock, db, init_db
from models.migrations import migrate
from workers import settings as settings_mod
from workers.runtime import recovery

#: How far the clock moves when work waits for a backoff: past the 10 min pause after a lost
#: answer, and past each backoff step in a few moves.
STEP = dt.timedelta(minutes=11)


@dataclass
class Run:
    """Everything the steps share, and what they found."""

    deadline: float
    sink: object
    env: dict
    cluster: object = None
    senders: object = None
    world: dict = field(default_factory=dict)
    later: list = field(default_factory=list)
    resumes: list[tuple[str, float]] = field(default_factory=list)
    faults: list[tuple[float, str]] = field(default_factory=list)
    offset: float = 0.0
    started: float = field(default_factory=time.monotonic)
    last_status: float = 0.0

    def say(self, line: str) -> None:
        """Print one line of progress, with the seconds since the start."""
        print(f"[{time.monotonic() - self.started:6.1f} s] {line}", flush=True)

    def over(self) -> bool:
        """Tell whether the time budget is spent."""
        return time.monotonic() > self.deadline

    def status(self) -> None:
        """Print how far the work is, at most every 15 s."""
        if time.monotonic() - self.last_status < 15:
            return
        self.last_status = time.monotonic()
        emails = report.email_figures(self.sink.copies())
        sent = self.senders.sent_ids() if self.senders else []
        self.say(
            f"  emails {emails['delivered']}/{emails['expected']} delivered,"
            f" {emails['queued']} queued; replies {len(set(sent))} sent,"
            f" {self.senders.pending() if self.senders else 0} waiting to be sent"
        )

    def fault(self, name: str) -> None:
        """Make one fault and time how long until work resumed."""
        extra = None
        before = report.snapshot()  # taken again once the fault is made, but for the listener
        start = time.monotonic()
        if name == "kill":
            what = self.cluster.kill_worker()
            start = self.cluster.killed_at or start  # finding the victim took a moment
            held = report.held_by(self.cluster.killed)
            what += f", holding {held} claims"

            def extra() -> bool:  # its claims handed on, its copy back
                return report.held_by(self.cluster.killed) == 0 and len(self.cluster.workers()) >= 2
        elif name == "drops":
            self.sink.arm_drops(2)
            what = "the relay will drop the next 2 connections before answering"

            def extra() -> bool:
                return self.sink.drops_armed == 0
        elif name == "db":
            if not self.env["DATABASE_URL"].startswith("postgres"):
                self.say("fault db: skipped on SQLite (no server connections to terminate)")
                return
            what = self.cluster.cut_database(None)
        elif name == "listener":
            what = self.cluster.restart_listener()

            def extra() -> bool:
                return self.senders.last_accept > start or self.senders.pending() == 0
        elif name == "redis":
            what = self.cluster.restart_redis()
            client = redis.Redis.from_url(self.env["REDIS_URL"])

            def extra() -> bool:  # the scheduler found the queues lost and filled them again
                return bool(client.exists(recovery.MARKER))
        elif name == "scheduler":
            old = report.scheduler_pass()[0]
            what = self.cluster.kill_scheduler()

            def extra() -> bool:
                return report.scheduler_pass()[0] not in ("", old)
        else:
            raise SystemExit(f"unknown fault {name!r}")
        self.say(f"fault {name}: {what}")
        self.faults.append((start, name))
        if name != "listener":  # the claims a killed process held stay as they are now
            before = report.snapshot()
        seconds = report.wait_resumed(before, start, extra)
        self.resumes.append((name, seconds))
        self.say(f"  work resumed {seconds:.1f} s after the fault")

    def done(self) -> bool:
        """Tell whether every email is delivered and every reply is finished."""
        emails = report.email_figures(self.sink.copies())
        replies = report.reply_figures(self.senders.sent_ids())
        summary = report.summary_figures(self.world["cycle_id"])
        settled = emails["queued"] == 0 and replies["unfinished"] == 0
        return settled and self.senders.pending() == 0 and summary["cycle_sent_at"] is not None

    def figures(self) -> dict:
        """Return every figure of the run."""
        return {
            "emails": report.email_figures(self.sink.copies()),
            "replies": report.reply_figures(self.senders.sent_ids() if self.senders else []),
            "summaries": report.summary_figures(self.world["cycle_id"]) if self.world else {},
            "resumes": self.resumes,
            "relay": {"refused": self.sink.refused, "dropped": len(self.sink.dropped)},
            "retries": self.senders.retries if self.senders else 0,
            "twice": [
                self.explain(m) for m in report.email_figures(self.sink.copies())["duplicates"]
            ],
        }

    def explain(self, message_id: str) -> str:
        """Say when the copies of an email arrived against the faults, and what its row says."""
        times = self.sink.times(message_id)
        near = [f"{name} at {at - self.started:.1f} s" for at, name in self.faults
                if times and abs(at - times[0]) < 5]  # fmt: skip
        when = ", ".join(f"{at - self.started:.1f} s" for at in times)
        return f"{report.describe(message_id)}; arrived at {when}; faults near: {near or 'none'}"

    def print_figures(self, figures: dict) -> None:
        """Print the figures and the last line."""
        e, r, s = figures["emails"], figures["replies"], figures["summaries"]
        print(
            f"\nchaos run on {self.env['DATABASE_URL'].split(':', 1)[0]}, "
            f"{time.monotonic() - self.started:.0f} s, clock moved {self.offset / 3600:.2f} h"
        )
        print(
            f"emails: expected {e['expected']}, delivered {e['delivered']}, lost {e['lost']},"
            f" duplicated {e['duplicated']} (failed {e['failed']}, bounced later {e['bounced']},"
            f" still queued {e['queued']};"
            f" relay refused {figures['relay']['refused']} with 4xx,"
            f" dropped {figures['relay']['dropped']})"
        )
        print(
            f"replies: sent {r['sent']}, stored {r['stored']}, applied {r['applied']},"
            f" recorded {r['recorded']} (duplicate, auto-reply, bounce), quarantined"
            f" {r['quarantined']}, applied twice {r['applied_twice']}, unfinished"
            f" {r['unfinished']} (senders retried {figures['retries']} times)"
        )
        late = s.get("late", 1)
        print(
            f"summaries: due {s.get('due', 0)}, sent within 24 h of their session"
            f" {s.get('on_time', 0)}, late {late}"
        )
        for line in figures["twice"]:
            print(f"  twice: {line}")
        worst = max(figures["resumes"], key=lambda f: f[1], default=("none", 0.0))
        every = ", ".join(f"{name} {sec:.1f}" for name, sec in figures["resumes"])
        print(f"resume after each fault (s): {every}")
        print(f"longest from a fault until work resumed: {worst[1]:.1f} s ({worst[0]})")
        print(
            f"lost={e['lost']} duplicated={e['duplicated']} applied_twice={r['applied_twice']}"
            f" unfinished={r['unfinished']} late_summaries={late} resume_s={round(worst[1])}"
        )


def init(env: dict) -> None:
    """Configure this process like the workers, create the tables, start the clock file."""
    settings_mod.configure(settings_mod.load_settings(env))
    init_db(env["DATABASE_URL"])
    with db.connection_context():
        migrate()
    clock.write_offset(env["TANDEM_CLOCK_FILE"], 0.0)


def wait_until(run: Run, check, timeout: float, what: str = ""):
    """Wait for ``check()`` to return something true (returned), printing progress; give up
    after ``timeout`` seconds or when the budget is spent (None; said unless ``what`` is "")."""
    end = min(time.monotonic() + timeout, run.deadline)
    while time.monotonic() < end:
        try:
            found = check()
        except Exception:  # a fault cut this process's connection: ask again
            db.close()
            found = None
        if found:
            return found
        run.status()
        time.sleep(0.5)
    if what:
        run.say(f"  gave up waiting for {what}")
    return None


def travel_to(run: Run, when: dt.datetime | None, why: str) -> None:
    """Move every process's clock to ``when`` (or one STEP on) once nothing is claimed, so
    that no lease runs out under a worker still holding it."""
    wait_until(run, report.idle, 120, "nothing claimed")
    delta = STEP if when is None else max(dt.timedelta(0), when - clock.now())
    run.offset += delta.total_seconds()
    clock.write_offset(run.env["TANDEM_CLOCK_FILE"], run.offset)
    run.say(f"clock moved {delta} on, to {clock.now():%Y-%m-%d %H:%M} ({why})")


def settled(run: Run) -> bool:
    """Tell whether no email waits and every reply sent so far is finished."""
    emails = report.email_figures(run.sink.copies())
    replies = report.reply_figures(run.senders.sent_ids())
    return emails["queued"] == 0 and replies["unfinished"] == 0 and run.senders.pending() == 0


def drain(run: Run, check, what: str) -> None:
    """Move the clock on while work waits for a backoff, until ``check()`` holds."""
    while not run.over():
        if check():
            run.say(what)
            return
        if report.idle() and not report.snapshot().waiting:
            travel_to(run, None, "for the backoffs")
        time.sleep(2)
        run.status()
    run.say("budget spent: stopping with work unfinished")


def travel_through(run: Run, when: dt.datetime, why: str, check) -> None:
    """Move the clock to ``when`` stopping at each job due before it, as time passes: there,
    drain until ``check()`` holds, so that what a job sends goes out while it still matters."""
    while not run.over():
        due = report.next_job_before(when)
        if due is None:
            break
        travel_to(run, due[0] + dt.timedelta(seconds=1), f"{due[1]} is due")
        wait_until(run, report.jobs_caught_up, 120, f"{due[1]} to run")
        drain(run, check, f"  {due[1]}: everything it sent delivered")
    travel_to(run, when, why)
