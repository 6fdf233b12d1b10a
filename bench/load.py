"""Load: 50 coordinators on the web page while a 10,000-person cycle goes out and replies come in.

Run: ``.venv/bin/python bench/load.py`` (needs the bench extra: ``pip install -e .[bench]``)

1. A programme (follow-up, mentoring and tracking) with a cycle of N stakeholders (each owning
   an item), 50 mentoring pairs and 50 coordinator logins, on PostgreSQL when one answers
   (``--database-url`` names another; SQLite otherwise), a private Redis and a counting SMTP
   sink on loopback.
2. The real processes: gunicorn serving ``web:create_app()`` with gunicorn.conf.py,
   ``dramatiq workers.actors`` and the SMTP listener ``flask --app web mailin``.
3. The cycle is triggered (2N emails into the outbox, delivered to the sink by the workers)
   and replies to its update requests are sent to the listener at a steady rate, while locust
   (headless, ``--seconds`` long) plays the coordinators: log in, then the tracking
   dashboard, the cycle page and the pair pages (bench/load_users.py).
Prints each page's p50 and p95, the emails delivered and replies read meanwhile; the last
line has ``p50=``, ``p95=`` and ``errors=`` over every request (target: p95 < 300 ms).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_inbound import cpu_seconds, finished  # noqa: E402
from bench.bench_trigger import make_cycle, setup_env  # noqa: E402
from bench.inbound_corpus import Target, generate  # noqa: E402
from bench.mta_client import MTAClient, SMTPReplyError  # noqa: E402
from bench.support import CountingSink, start_workers  # noqa: E402
from tests import services  # noqa: E402

#: The coordinators' password (the logins live only in the bench's database).
PASSWORD = "load bench passphrase"

#: A login as bench/load_users.py prints it (outside the page figures).
LOGIN_RE = re.compile(r"^login \d+: 302 in (\d+) ms$", re.MULTILINE)

#: Mentoring pairs in the programme (one mentor, one mentee each).
PAIRS = 50


def make_world(n: int, logins: int) -> dict:
    """Create the programme, its N-person cycle, the pairs and the logins; return their ids."""
    from models import Cycle, GroupMember, Membership, MentoringGroup, Person
    from workers.accounts.passwords import create_user

    cycle = Cycle.get_by_id(make_cycle(n, "load"))
    programme = cycle.programme
    programme.kind = "followup,mentoring,tracking"
    programme.save()
    groups = []
    for i in range(PAIRS):
        mentor = Person.create(name=f"Mentor {i}", email=f"mentor{i}@load.example")
        mentee = Person.create(name=f"Mentee {i}", email=f"mentee{i}@load.example")
        Membership.create(programme=programme, person=mentor, role="mentor")
        Membership.create(programme=programme, person=mentee, role="mentee")
        group = MentoringGroup.create(programme=programme, mentor=mentor, theme=f"Pair {i}")
        GroupMember.create(group=group, person=mentee)
        groups.append(group.id)
    for i in range(logins):
        person = Person.create(name=f"Coordinator {i}", email=f"coord{i}@load.example")
        Membership.create(programme=programme, person=person, role="coordinator")
        create_user(person.email, person.name, PASSWORD, person=person)
    return {"programme": programme.id, "cycle": cycle.id, "groups": groups}


def reply_targets(cycle_id: int) -> list[Target]:
    """Return who may answer the cycle's update requests, with the addresses they answer."""
    from models import OutboundEmail, Person, Session
    from workers import settings as settings_mod
    from workers.outbound.tokens import make_bounce_address

    settings = settings_mod.get()
    uid = Session.get(Session.cycle == cycle_id).uid
    rows = (
        OutboundEmail.select(OutboundEmail, Person)
        .join(Person)
        .where(
            OutboundEmail.idem_key.startswith(f"cycle:{cycle_id}:")
            & (OutboundEmail.kind == "update-request")
        )
    )
    return [
        Target(
            r.person.name,
            r.to_addr,
            f"Action for {r.person.name}",
            r.reply_to,
            r.message_id,
            make_bounce_address(settings.secret_key, settings.reply_domain, r.id),
            uid,
        )
        for r in rows
    ]


def send_replies(port: int, messages: list, rate: float, stop: threading.Event) -> None:
    """Send ``messages`` to the listener at ``rate`` a second until done or ``stop`` is set;
    like a mail server, open a new connection when one is closed and send the message again."""
    began, conn = time.monotonic(), None
    for i, (mail_from, rcpts, raw) in enumerate(messages):
        time.sleep(max(0.0, began + i / rate - time.monotonic()))
        while not stop.is_set():
            try:
                conn = conn or MTAClient("127.0.0.1", port, timeout=60)
                conn.sendmail(mail_from, rcpts, raw)
                break
            except (OSError, SMTPReplyError) as exc:
                print(f"reply {i}: {exc}; sending it again on a new connection")
                conn = None
                time.sleep(1)
        if stop.is_set():
            return


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115  (the process keeps it)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)


def run_locust(args, world: dict, port: int, folder: Path) -> list[dict]:
    """Play the coordinators for ``args.seconds``; return locust's rows of statistics."""
    env = {
        **os.environ,
        "LOAD_PROGRAMME": str(world["programme"]),
        "LOAD_CYCLE": str(world["cycle"]),
        "LOAD_GROUPS": ",".join(map(str, world["groups"])),
        "LOAD_LOGINS": str(args.users),
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_THINK": args.think,
    }
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load_users.py")]
    command += ["--headless", "-u", str(args.users), "-r", str(args.users)]
    # At the end each coordinator finishes the page it is loading (no request cut short).
    command += ["-t", f"{args.seconds}s", "--stop-timeout", "30"]
    command += ["--host", f"http://127.0.0.1:{port}"]
    command += ["--csv", str(folder / "load"), "--only-summary", "--loglevel", "WARNING"]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.seconds + 120
    )
    (folder / "locust.log").write_text(done.stdout + done.stderr)
    logins = sorted(float(m) for m in LOGIN_RE.findall(done.stdout))
    if logins:
        print(f"logins: {len(logins)}, median {logins[len(logins) // 2]:.0f} ms (password hash)")
    with open(folder / "load_stats.csv", newline="") as stats:
        return list(csv.DictReader(stats))


def main() -> None:
    """Set up, run the load and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="stakeholders in the cycle")
    parser.add_argument("--users", type=int, default=50, help="concurrent coordinators")
    parser.add_argument("--seconds", type=int, default=60, help="how long locust plays them")
    parser.add_argument(
        "--think",
        default="3,10",
        help="seconds a coordinator reads a page before the next, as min,max (a person"
        " reads a dashboard for a few seconds; 0.5,1.5 plays impatient clickers)",
    )
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn processes")
    parser.add_argument("--web-threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--processes", type=int, default=2, help="dramatiq processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per dramatiq process")
    parser.add_argument("--reply-rate", type=float, default=20, help="replies sent a second")
    parser.add_argument("--database-url", default="", help="default: PostgreSQL if it answers")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tandem-load-"))
    print(f"logs and statistics: {folder}")
    sink, redis = CountingSink(), services.RedisServer()
    sink.controller.start()
    postgres = None
    if not args.database_url and services.postgres_available() is None:
        postgres = services.PostgresDatabase()
    url = args.database_url or (postgres.url if postgres else "")
    if url:
        os.environ["DATABASE_URL"] = url
    procs: list[subprocess.Popen] = []
    stop = threading.Event()
    try:
        setup_env(sink, redis)
        print(f"database: {os.environ['DATABASE_URL'].split('@')[-1]}")
        world = make_world(args.n, args.users)
        env = dict(os.environ)
        web_port, mail_port = services.free_port(), services.free_port()
        web = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
        web += ["--bind", f"127.0.0.1:{web_port}", "--workers", str(args.web_workers)]
        web += ["--threads", str(args.web_threads), "web:create_app()"]
        procs.append(start(web, env, folder / "web.log"))
        mailin = [sys.executable, "-m", "flask", "--app", "web", "mailin"]
        procs.append(start(mailin, {**env, "MAILIN_PORT": str(mail_port)}, folder / "mailin.log"))
        procs.append(start_workers(env, args.processes, args.threads))
        services.wait_for_port(web_port, timeout=60)
        services.wait_for_port(mail_port, timeout=60)
        outcome = load(args, world, (web_port, procs[0].pid), mail_port, sink, folder, stop)
    finally:
        stop.set()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
        redis.stop()
        sink.controller.stop()
        if postgres is not None:
            from models import db

            db.close()
            postgres.drop()
    report(args.users, *outcome)


def load(args, world, web, mail_port, sink, folder, stop) -> tuple:
    """Trigger the cycle, send replies and play the coordinators; return what was measured."""
    from models import InboundMessage, OutboundEmail
    from workers.followup.trigger import trigger

    sink.count = 0
    began = time.monotonic()
    trigger(world["cycle"])
    print(f"cycle triggered: {OutboundEmail.select().count()} emails queued")
    messages = generate(reply_targets(world["cycle"]), int(args.reply_rate * args.seconds))
    sender = threading.Thread(
        target=send_replies, args=(mail_port, messages, args.reply_rate, stop), daemon=True
    )
    sender.start()
    web_port, web_pid = web
    cpu = cpu_seconds(web_pid)
    rows = run_locust(args, world, web_port, folder)
    cpu = cpu_seconds(web_pid) - cpu
    pages = int(next(r for r in rows if r["Name"] == "Aggregated")["Request Count"]) or 1
    per_page = 1000 * cpu / pages
    print(f"web CPU: {cpu:.0f} s for {pages} pages and the logins: {per_page:.0f} ms a page")
    elapsed = time.monotonic() - began
    stop.set()
    sent = (
        OutboundEmail.select()
        .where(
            OutboundEmail.idem_key.startswith(f"cycle:{world['cycle']}:")
            & (OutboundEmail.status == "sent")
        )
        .count()
    )
    replies = (InboundMessage.select().count(), finished(), len(messages))
    return rows, sent, replies, elapsed, 2 * args.n


def report(users, rows, delivered, replies, elapsed, emails) -> None:
    """Print each page's figures, then the totals."""
    print(f"{'page':34s}{'requests':>9s}{'errors':>8s}{'p50 ms':>8s}{'p95 ms':>8s}")
    for row in rows:
        print(
            f"{row['Name']:34s}{row['Request Count']:>9s}{row['Failure Count']:>8s}"
            f"{row['50%']:>8s}{row['95%']:>8s}"
        )
    stored, read, sent = replies
    print(f"meanwhile: {delivered}/{emails} of the cycle's emails sent; of {sent} replies sent,")
    print(f"{stored} stored and {read} read, in {elapsed:.0f} s since the trigger")
    # The machine is shared: how busy it was says how far the figures stand for Tandem alone.
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(
        f"users={users} requests={total['Request Count']} p50={total['50%']} "
        f"p95={total['95%']} errors={total['Failure Count']}"
    )


if __name__ == "__main__":
    main()
