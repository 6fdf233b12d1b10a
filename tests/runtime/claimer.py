"""A worker process that claims one row, or fetches messages, then hangs, to be killed by a
recovery test.

Run: ``python -m tests.runtime.claimer DATABASE_URL KIND ID`` (KIND: email, inbound, job). It
beats as a worker does (``workers.runtime.heartbeat``), claims the row as the workers do,
prints ``claimed <holder>`` and waits to be killed. With KIND ``written``, it commits an email
to person ID as a worker applying a reply does, and waits before enqueueing its delivery
(printing ``claimed <holder> <email id>``). With KIND ``messages``, it fetches ID messages
from the ``mail`` queue as a Dramatiq consumer does, prints ``claimed <broker id>`` and
waits.
"""

from __future__ import annotations

import sys
import time

import workers.actors  # noqa: F401  (the broker and its middleware)
from models import Person, init_db
from workers.inbound.claim import claim_many
from workers.outbound import outbox
from workers.outbound.delivery import claim as claim_email
from workers.runtime import heartbeat, jobs
from workers.runtime.broker import broker

CLAIMS = {
    "email": claim_email,
    "inbound": lambda row_id: claim_many([row_id]),
    "job": jobs.claim,
}


def fetch(count: int) -> None:
    """Take ``count`` messages from the mail queue into this consumer's unacknowledged set."""
    consumer = broker.consume("mail", prefetch=count)
    taken = 0
    while taken < count:
        taken += next(consumer) is not None
    print(f"claimed {broker.broker_id}", flush=True)


def main(url: str, kind: str, row_id: str) -> None:
    """Beat, claim the row, say so, then wait forever."""
    if kind == "messages":
        fetch(int(row_id))
        while True:
            time.sleep(60)
    init_db(url).connect()
    beating = next(m for m in broker.middleware if isinstance(m, heartbeat.Heartbeat))
    beating.after_worker_boot(broker, None)
    if kind == "written":
        with outbox.collecting():
            with outbox.transaction():
                person = Person.get_by_id(int(row_id))
                row = outbox.queue_email("ping", person, {"subject": "s"}, key="written:1")
            print(f"claimed {heartbeat.holder()} {row.id}", flush=True)
            while True:  # killed here: committed, its delivery not enqueued yet
                time.sleep(60)
    if not CLAIMS[kind](int(row_id)):
        sys.exit(f"could not claim {kind} {row_id}")
    print(f"claimed {heartbeat.holder()}", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main(*sys.argv[1:])
