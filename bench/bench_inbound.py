"""Measure inbound mail end to end against the floor of parsing and trimming alone.

Run: ``make bench`` or ``.venv/bin/python bench/bench_inbound.py --n 10000`` (default 2000)

1. The floor: the N generated messages parsed and trimmed in this one process, no queue or DB,
   once before and once after the end-to-end run; their mean time is the floor (the speed of
   a shared machine drifts over a run, and this way both figures see the same drift).
2. End to end: the same N messages sent over SMTP to ``flask --app web mailin`` (a subprocess),
   pipelined as mail servers send (``bench/mta_client.py``, each message put in its SMTP form
   before timing starts, as a server's queue holds it; ``--smtplib`` sends with Python's
   smtplib instead, one command per round trip), and processed by ``dramatiq workers.actors -p 2``
   (at the Procfile's lower CPU priority) on a private Redis and a SQLite file (or
   ``--database-url``), timed from the first message sent until all N reached a final status.
Replies come from several clients (plain text, Gmail, Outlook HTML), with calendar answers,
bounces and auto-replies mixed in, each with the fields mail servers add on the way (see
``bench/inbound_corpus.py``; ``--lean`` leaves them out). Prints both rates and their ratio.
"""

from __future__ import annotations

import argparse
import collections
import os
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqdm import tqdm  # noqa: E402

from bench.inbound_corpus import Target, generate  # noqa: E402
from bench.mta_client import MTAClient, to_wire  # noqa: E402
from bench.support import WORKER_NICE  # noqa: E402
from tests.services import RedisServer, free_port, wait_for_port  # noqa: E402

#: Statuses a message ends in.
FINAL = ("applied", "duplicate", "auto_reply", "bounce", "quarantined")

#: People the messages come from (each has an action item, an email and a session).
PEOPLE = 500

#: Messages processed before timing starts (workers boot, connections open).
WARM_UP = 40

#: Seconds to wait for a run before giving up.
TIMEOUT = 1800

ENV = {
    "TANDEM_ENV": "dev",  # a dev run: the short SECRET_KEY below is accepted
    "SECRET_KEY": "bench-secret",
    "REPLY_DOMAIN": "tandem.test",
    "MAIL_FROM": "Tandem <tandem@tandem.test>",
}


def floor(messages: list[tuple[str, list[str], bytes]], when: str) -> float:
    """Parse and trim every message in this process; return the seconds it took."""
    from workers.reading.message import UnreadableMessage, parse_message
    from workers.reading.trimming import trim_reply

    start = time.perf_counter()
    for _, _, raw in tqdm(messages, desc=f"floor ({when}): parse + trim", unit="msg"):
        try:
            parsed = parse_message(raw)
        except UnreadableMessage:
            continue
        trim_reply(parsed.text, parsed.html)
    return time.perf_counter() - start


def make_targets(count: int) -> list[Target]:
    """Create people, their items, the emails they answer and the sessions they attend."""
    from models import ActionItem, OutboundEmail, Person, Programme, Session, clock, db
    from workers import settings as settings_mod
    from workers.outbound.tokens import make_bounce_address, make_reply_address

    settings = settings_mod.get()
    targets = []
    with db.atomic():
        programme = Programme.create(name="Bench programme")
        now = clock.now()
        sessions = [
            Session.create(
                programme=programme,
                title=f"Session {i}",
                starts_at=now,
                ends_at=now,
                uid=f"bench-session-{i}@tandem.test",
            )
            for i in range(max(1, count // 50))
        ]
        for i in range(count):
            person = Person.create(name=f"Person {i}", email=f"person{i}@example.org")
            item = ActionItem.create(programme=programme, title=f"Item {i}", owner=person)
            sent = OutboundEmail.create(
                kind="ping",
                to_addr=person.email,
                person=person,
                message_id=f"<bench-{i}@tandem.test>",
                idem_key=f"bench:{i}",
                status="sent",
                object_type="item",
                object_id=item.id,
            )
            reply_to = make_reply_address(
                settings.secret_key, settings.reply_domain, person.id, "item", item.id, 60
            )
            verp = make_bounce_address(settings.secret_key, settings.reply_domain, sent.id)
            uid = sessions[i % len(sessions)].uid
            targets.append(
                Target(person.name, person.email, item.title, reply_to, sent.message_id, verp, uid)
            )
    return targets


def outgoing(messages: list, client=MTAClient) -> list:
    """Return the messages as ``send_all`` sends them with ``client``: for ``MTAClient``,
    in their SMTP form already, as a mail server's queue holds them."""
    if client is not MTAClient:
        return messages
    return [(mail_from, rcpts, to_wire(raw)) for mail_from, rcpts, raw in messages]


def send_all(port: int, messages: list, threads: int, client=MTAClient) -> None:
    """Send the messages (from ``outgoing``) over ``threads`` SMTP connections to the
    listener with ``client`` (``MTAClient`` or ``smtplib.SMTP``)."""

    def sender(part: list) -> None:
        with client("127.0.0.1", port, timeout=60) as conn:
            send = conn.send_wire if client is MTAClient else conn.sendmail
            for mail_from, rcpts, data in part:
                send(mail_from, rcpts, data)

    workers = [
        threading.Thread(target=sender, args=(messages[i::threads],)) for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def finished() -> int:
    """Return how many stored messages reached a final status."""
    from models import InboundMessage, db

    with db.connection_context():
        return InboundMessage.select().where(InboundMessage.status.in_(FINAL)).count()


def wait_until(target: int, label: str) -> None:
    """Block until ``target`` messages are final, showing progress."""
    deadline = time.monotonic() + TIMEOUT
    with tqdm(total=target, desc=label, unit="msg") as bar:
        while (done := finished()) < target:
            if time.monotonic() > deadline:
                raise SystemExit(f"{label}: only {done}/{target} finished")
            bar.update(done - bar.n)
            time.sleep(0.1)
        bar.update(target - bar.n)


def cpu_seconds(pid: int, children: bool = True) -> float:
    """Return the CPU time (user + system) used so far by ``pid`` (and its children), on Linux."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split() if children else []
    except (OSError, ValueError, IndexError):
        return total
    return total + sum(cpu_seconds(int(kid)) for kid in kids)


def start(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=None)


def end_to_end(messages: list, warm: list, args: argparse.Namespace, env: dict) -> float:
    """Send the messages through the listener and workers; return seconds until all are final.

    Also prints the CPU time each part used per message while timed.
    """
    port = free_port()
    env = {**env, "MAILIN_PORT": str(port)}
    listener = start([sys.executable, "-m", "flask", "--app", "web", "mailin"], env)
    # Only the inbound queue: the confirmations appliers write stay in the outbox, for the
    # delivery workers to send (bench_delivery.py measures those).
    command = [*WORKER_NICE, sys.executable, "-m", "dramatiq", "workers.actors"]
    command += ["-p", str(args.processes)]
    command += ["-t", str(args.threads), "-Q", "inbound"]
    workers = start(command, env)
    try:
        wait_for_port(port, timeout=30)
        client = smtplib.SMTP if args.smtplib else MTAClient
        warm, messages = outgoing(warm, client), outgoing(messages, client)
        send_all(port, warm, 2, client)
        wait_until(len(warm), "warm-up")
        parts = {"listener": listener.pid, "workers": workers.pid, "bench": os.getpid()}
        cpu = {name: cpu_seconds(pid, name != "bench") for name, pid in parts.items()}
        began = time.perf_counter()
        sent = {}

        def send_and_time() -> None:
            send_all(port, messages, args.senders, client)
            sent["at"] = time.perf_counter() - began

        sending = threading.Thread(target=send_and_time)
        sending.start()
        wait_until(len(warm) + len(messages), f"end to end ({args.processes} workers)")
        elapsed = time.perf_counter() - began
        sending.join()
        print(f"all {len(messages)} accepted by the listener after {sent['at']:.2f} s")
        used = {name: cpu_seconds(pid, name != "bench") - cpu[name] for name, pid in parts.items()}
        per = ", ".join(f"{name} {1000 * sec / len(messages):.2f}" for name, sec in used.items())
        print(f"CPU ms per message: {per} (bench = SMTP senders and polling)")
        return elapsed
    finally:
        for proc in (listener, workers):
            proc.terminate()
        for proc in (listener, workers):
            proc.wait(timeout=60)


def outcomes() -> dict[str, int]:
    """Count the final statuses and quarantine reasons."""
    from models import InboundMessage, db

    with db.connection_context():
        rows = InboundMessage.select(InboundMessage.status, InboundMessage.reason)
        return dict(collections.Counter(f"{r.status} {r.reason}".strip() for r in rows))


def prepare(args: argparse.Namespace) -> dict:
    """Start Redis, create the database and return the environment for the subprocesses."""
    folder = tempfile.mkdtemp(prefix="tandem-bench-inbound-")
    redis = RedisServer()
    sink_port = free_port()  # nothing listens: confirmations stay queued for a later retry
    env = {
        **os.environ,
        **ENV,
        "DATABASE_URL": args.database_url or f"sqlite:///{folder}/bench.db",
        "REDIS_URL": redis.url,
        "SMTP_URL": args.smtp_url or f"smtp://127.0.0.1:{sink_port}",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    from models import init_db
    from models.migrations import migrate

    init_db(env["DATABASE_URL"]).connect(reuse_if_open=True)
    migrate()
    env["_redis"] = redis
    return env


def main() -> None:
    """Generate the messages, run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="messages per run")
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    # Reading mail is CPU work: a second thread per process only adds GIL handoffs.
    parser.add_argument("--threads", type=int, default=1, help="threads per worker process")
    parser.add_argument("--senders", type=int, default=4, help="SMTP connections sending")
    parser.add_argument(
        "--smtplib",
        action="store_true",
        help="send with Python's smtplib (one command per round trip) instead of pipelining",
    )
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    parser.add_argument("--smtp-url", default="", help="where confirmations go (default: nowhere)")
    parser.add_argument(
        "--lean",
        action="store_true",
        help="messages without the servers' trace and signature fields or Outlook's style sheet",
    )
    args = parser.parse_args()
    env = prepare(args)
    redis = env.pop("_redis")
    try:
        targets = make_targets(min(PEOPLE, max(1, args.n // 4)))
        messages = generate(targets, args.n, lean=args.lean)
        warm = generate(targets, WARM_UP, seed=1, lean=args.lean)
        sizes = sorted(len(raw) for _, _, raw in messages)
        mean = sum(sizes) / len(sizes)
        print(f"messages: mean {mean:.0f} bytes, median {sizes[len(sizes) // 2]} bytes")
        before = floor(messages, "before")
        pipeline = end_to_end(messages, warm, args, env)
        after = floor(messages, "after")
    finally:
        redis.stop()
    plain = (before + after) / 2
    floor_rate, pipeline_rate = args.n / plain, args.n / pipeline
    print(f"outcomes: {outcomes()}")
    label = "floor, parse + trim in one process:"
    rates = f"before {args.n / before:.1f}, after {args.n / after:.1f}"
    print(f"{label:40s}{floor_rate:8.1f} msg/s ({plain:.2f} s; {rates})")
    how = "smtplib" if args.smtplib else "pipelined SMTP"
    label = f"end to end, {how} + {args.processes} workers:"
    print(f"{label:40s}{pipeline_rate:8.1f} msg/s ({pipeline:.2f} s)")
    print(f"ratio: {pipeline_rate / floor_rate:.2f}")


if __name__ == "__main__":
    main()
