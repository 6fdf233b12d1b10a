"""Cut database connections are replaced whatever exception wraps the error, and a database
outage never dead-letters work: messages wait for the database and resume when it is back."""

from __future__ import annotations

import time

import dramatiq
import psycopg2
import pytest
from peewee import PostgresqlDatabase

from models import InboundMessage, OutboundEmail, Person, db
from tests.services import POSTGRES_ADMIN_URL
from workers.inbound import worker as inbound_worker
from workers.inbound.claim import claim_many
from workers.outbound import outbox
from workers.runtime.dbmiddleware import LONGEST_WAIT, discard_connection

#: Seconds a database outage lasts in the outage test: longer than the three retries a
#: delivery message has (1, 2 and 4 s of backoff).
OUTAGE = 15


@dramatiq.actor(queue_name="mail", max_retries=0)
def close_connection_underneath() -> None:
    """Close this thread's SQLite handle behind peewee's back, as a crashed driver would."""
    db.connection().close()


@pytest.fixture
def one_thread(redis_broker, db):
    """An in-process worker with a single thread, so every message meets its connection."""
    worker = dramatiq.Worker(redis_broker, worker_threads=1, worker_timeout=100)
    worker.start()
    yield worker
    worker.stop()
    redis_broker.middleware[:] = [
        m for m in redis_broker.middleware if getattr(m, "worker", None) is not worker
    ]


def admin(sql: str, *params) -> None:
    """Run a statement on the PostgreSQL server from a connection of its own."""
    conn = psycopg2.connect(POSTGRES_ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql, params)
    conn.close()


def terminate_connections(database: str) -> None:
    """Cut every connection to ``database``, as a failover or a network cut does."""
    admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        database,
    )


def cut_worker_connections(redis_broker) -> None:
    """Break the connection the worker's thread holds."""
    if isinstance(db.obj, PostgresqlDatabase):
        terminate_connections(db.obj.database)
        discard_connection()  # the test's own was cut too
    else:
        close_connection_underneath.send()
        redis_broker.join("mail", timeout=10_000)


def queue_emails(first: int, count: int) -> list[int]:
    with outbox.transaction():
        people = [
            Person.create(name=f"P{i}", email=f"p{i}@example.org")
            for i in range(first, first + count)
        ]
        return [
            outbox.queue_email("ping", p, {"subject": "s", "body": "b"}, key=f"k{p.id}").id
            for p in people
        ]


def wait_until_sent(ids: list[int], timeout: float) -> float:
    """Return seconds until every email was sent; fail after ``timeout``."""
    start = time.monotonic()
    while (
        OutboundEmail.select()
        .where(OutboundEmail.id.in_(ids) & (OutboundEmail.status != "sent"))
        .exists()
    ):
        assert time.monotonic() - start < timeout, "emails still unsent"
        time.sleep(0.2)
    return time.monotonic() - start


def dead_letters(redis_broker) -> int:
    return redis_broker.client.hlen("dramatiq:mail.XQ.msgs")


def test_it_replaces_a_cut_connection_and_delivers_on(smtp_sink, redis_broker, one_thread):
    # Given a worker thread that delivered with its connection
    wait_until_sent(queue_emails(0, 3), timeout=20)
    # When that connection is cut
    cut_worker_connections(redis_broker)
    # Then the next emails are delivered on a new connection, and no message is dead-lettered
    took = wait_until_sent(queue_emails(3, 10), timeout=20)
    print(f"\ndelivered {took:.1f} s after the cut")
    assert dead_letters(redis_broker) == 0
    assert len(smtp_sink.messages) == 13


def test_it_waits_out_a_database_outage(smtp_sink, redis_broker, db):
    if not isinstance(db, PostgresqlDatabase):
        pytest.skip("an outage of one database is made with PostgreSQL's ALLOW_CONNECTIONS")
    # Given emails whose delivery messages wait in Redis
    ids = queue_emails(0, 10)
    name = db.database
    # When the database takes no connection while a worker tries to deliver them
    admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    try:
        terminate_connections(name)
        discard_connection()
        worker = dramatiq.Worker(redis_broker, worker_threads=2, worker_timeout=100)
        worker.start()
        time.sleep(OUTAGE)
    finally:
        admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    try:
        # Then once it is back, every email goes out within the longest wait
        took = wait_until_sent(ids, timeout=LONGEST_WAIT / 1000 + 10)
    finally:
        worker.stop()
        redis_broker.middleware[:] = [
            m for m in redis_broker.middleware if getattr(m, "worker", None) is not worker
        ]
    print(f"\ndelivered {took:.1f} s after the database came back")
    # And no message was dead-lettered
    assert dead_letters(redis_broker) == 0


def test_it_hands_inbound_claims_back_on_a_new_connection(db):
    # Given inbound messages this worker claimed
    ids = [
        InboundMessage.create(raw=b"Subject: hi\r\n\r\nhello\r\n", sha256=f"{i:064d}").id
        for i in range(3)
    ]
    assert len(claim_many(ids)) == 3
    # When its connection is cut before it hands them back
    if isinstance(db, PostgresqlDatabase):
        terminate_connections(db.database)
    else:
        db.connection().close()
    inbound_worker.release(ids)
    # Then they are handed back all the same
    statuses = {m.status for m in InboundMessage.select().where(InboundMessage.id.in_(ids))}
    assert statuses == {"received"}
