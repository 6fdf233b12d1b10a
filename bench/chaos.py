"""Chaos run: a follow-up cycle and a mentoring programme's invitations, replies arriving, and
faults made throughout; prints what was lost, duplicated, applied twice or left unfinished.

Run: ``.venv/bin/python bench/chaos.py`` (SQLite), or with ``DATABASE_URL`` naming a
PostgreSQL server (a database of its own is made there and dropped after). Stops by itself
(``--budget``, 18 min by default). ``--stakeholders 20 --faults kill --summary-faults ""``
is a tiny run.

1. Start Redis (no persistence), the workers under their respawner, the scheduler and the
   inbound listener as the Procfile does, all reading a shared movable clock, and a relay that
   refuses 20 % of deliveries with 4xx (``chaos_sink.py``).
2. Trigger a cycle of N stakeholders and schedule 10 mentoring pairs' weekly sessions. Each
   stakeholder answers once their update request arrives, some with an auto-reply or a bounce
   first; later, some send a second update, and some servers send the same reply again.
3. Make ``--faults`` one after another while emails and replies flow, each timed until work
   resumed: ``kill`` SIGKILLs a worker process, ``drops`` makes the relay drop 2 connections
   before answering, ``db`` terminates the database connections (PostgreSQL; skipped on
   SQLite, which has none), ``listener`` SIGKILLs and restarts the listener, ``redis`` SIGKILLs
   Redis and starts it empty, ``scheduler`` SIGKILLs the scheduler and starts it again.
4. Move the clock past the session: the notes request goes out, the facilitator answers, the
   summary goes out (``--summary-faults`` are made while it is delivered). Then move the clock
   on in steps of 11 minutes whenever nothing is claimed, for the 4xx backoffs and the pause
   after a dropped connection, until every email and reply is done.
"""

from __future__ import annotations

import argparse
import importlib
import os
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chaos_cluster import admin_url, create_database  # noqa: E402
from bench.chaos_sink import RelayProcess  # noqa: E402
from bench.recovery_support import RestartableRedis  # noqa: E402
from tests.services import free_port  # noqa: E402

FAULTS = "kill,drops,db,kill,listener,redis,kill,scheduler,kill"


def prepare(args: argparse.Namespace, folder: Path) -> tuple[dict, object]:
    """Make the database, Redis, relay and environment; return (environment, pieces)."""
    url = args.database_url
    database = None
    if url.startswith(("postgres://", "postgresql://")):
        database = f"tandem_chaos_{secrets.token_hex(4)}"
        create_database(admin_url(url), database)
        url = url.rsplit("/", 1)[0] + "/" + database
    else:
        url = f"sqlite:///{folder / 'tandem.db'}"
    redis = RestartableRedis()
    sink = RelayProcess(free_port(), args.refuse, folder)
    env = {
        **os.environ,
        "TANDEM_ENV": "dev",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": url,
        "REDIS_URL": redis.url,
        "SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "MAILIN_PORT": str(free_port()),
        "REPLY_DOMAIN": "tandem.test",
        "MAIL_FROM": "Tandem <tandem@tandem.test>",
        "SUMMARY_WITHIN_HOURS": "24",
        "TANDEM_CLOCK_FILE": str(folder / "clock"),
        "PYTHONPATH": str(ROOT),
        # dramatiq and flask, as the Procfile names them, sit beside this Python.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    os.environ.update(env)
    return env, (redis, sink, database)


def main() -> None:
    """Prepare the pieces, point this process at them, then run the phases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stakeholders", type=int, default=1000)
    parser.add_argument("--faults", default=FAULTS, help=f"comma-separated, default {FAULTS}")
    parser.add_argument("--summary-faults", default="kill")
    parser.add_argument("--refuse", type=float, default=0.2, help="share of 4xx answers")
    parser.add_argument("--budget", type=float, default=18 * 60, help="seconds before stopping")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tandem-chaos-"))
    env, (redis, sink, database) = prepare(args, folder)
    # Tandem's modules read the environment when imported (the broker connects to REDIS_URL):
    # only now may they be.
    phases = importlib.import_module("bench.chaos_phases")
    phases.run_all(args, folder, env, redis, sink, database)


if __name__ == "__main__":
    main()
