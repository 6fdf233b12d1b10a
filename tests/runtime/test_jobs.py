"""Jobs: due work as rows, scheduled idempotently and run once by their handler."""

from __future__ import annotations

import datetime as dt

import pytest

from models import Job, clock
from models import db as models_db
from workers.runtime import jobs, scheduler

CALLS: list[dict] = []


@jobs.handler("test.record")
def record(payload: dict) -> None:
    CALLS.append(payload)


@jobs.handler("test.explode")
def explode(payload: dict) -> None:
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()
    yield
    CALLS.clear()


def test_it_schedules_a_key_only_once(db):
    first = jobs.schedule("test.record", "k:1", clock.now(), n=1)
    again = jobs.schedule("test.record", "k:1", clock.now() + dt.timedelta(hours=1), n=2)

    assert again.id == first.id and Job.select().count() == 1
    assert Job.get_by_id(first.id).payload == {"n": 1}


def test_it_runs_the_handler_once_when_run_twice(db):
    job = jobs.schedule("test.record", "k:1", clock.now(), n=1)

    assert jobs.run(job.id) == "done"
    assert jobs.run(job.id) == "skipped"

    assert CALLS == [{"n": 1}]
    assert Job.get_by_id(job.id).status == "done"


def test_it_does_not_run_a_job_before_it_is_due(db):
    job = jobs.schedule("test.record", "k:1", clock.now() + dt.timedelta(minutes=5))

    assert jobs.run(job.id) == "skipped"
    assert CALLS == []


def test_it_runs_a_due_job_through_the_worker(db, redis_broker, redis_worker):
    # Given a job that fell due an hour ago
    jobs.schedule("test.record", "k:1", clock.now() - dt.timedelta(hours=1), n=7)
    # When the scheduler ticks twice and the worker drains the queue
    scheduler.tick()
    scheduler.tick()
    redis_broker.join("jobs", timeout=10_000)
    redis_worker.join()
    # Then the handler ran exactly once
    assert CALLS == [{"n": 7}]
    assert Job.get(Job.key == "k:1").status == "done"


def test_it_retries_a_failing_job_later_and_records_why(db):
    job = jobs.schedule("test.explode", "k:1", clock.now())

    assert jobs.run(job.id) == "failed"

    job = Job.get_by_id(job.id)
    assert (job.status, job.attempts) == ("pending", 1)
    assert job.last_error == "RuntimeError: boom"
    assert job.run_at > clock.now()


def test_it_gives_up_on_a_job_after_too_many_failures(db):
    job = jobs.schedule("test.explode", "k:1", clock.now())
    Job.update(attempts=jobs.MAX_ATTEMPTS - 1).execute()

    assert jobs.run(job.id) == "failed"
    assert Job.get_by_id(job.id).status == "failed"


def test_it_fails_a_job_nobody_handles(db):
    job = jobs.schedule("test.unknown", "k:1", clock.now())

    assert jobs.run(job.id) == "failed"
    assert "UnknownJobKind" in Job.get_by_id(job.id).last_error


def test_it_takes_over_a_job_whose_worker_died(db):
    # Given a job a worker claimed and then died holding
    job = jobs.schedule("test.record", "k:1", clock.now(), n=1)
    assert jobs.claim(job.id) is not None
    assert jobs.run(job.id) == "skipped"
    # When its lease has run out
    clock.travel(jobs.LEASE + dt.timedelta(seconds=1))
    # Then the scheduler enqueues it again and another worker runs it
    found = jobs.due_jobs(scheduler.Pass(clock.now()))
    assert job.id in found[scheduler.LEASE_OVER]
    assert jobs.run(job.id) == "done"
    assert CALLS == [{"n": 1}]


def test_it_schedules_a_known_key_inside_a_transaction_without_breaking_it(db):
    # Given a transaction that schedules a key twice, then another
    with models_db.atomic():
        first = jobs.schedule("test.record", "k:1", clock.now(), n=1)
        again = jobs.schedule("test.record", "k:1", clock.now(), n=2)
        other = jobs.schedule("test.record", "k:2", clock.now(), n=3)
    # Then the transaction committed both keys once, the first payload kept
    assert again.id == first.id != other.id
    assert [(j.key, j.payload) for j in Job.select().order_by(Job.key)] == [
        ("k:1", {"n": 1}),
        ("k:2", {"n": 3}),
    ]


def test_it_cancels_the_pending_jobs_of_one_key_prefix(db):
    # Given pending jobs of two items whose ids share digits, a done one, and odd characters
    when = clock.now() + dt.timedelta(days=1)
    keys = [
        "item:1:reminder:3:2027-01-15",
        "item:1:overdue:2027-01-15",
        "item:1:reminder:3:2027-02-01",
        "item:10:reminder:3:2027-01-15",
        "item:1_x:reminder",
        "cycle:1:brief",
    ]
    for key in keys:
        jobs.schedule("item.reminder", key, when)
    jobs.schedule("item.reminder", "item:1:old", when)
    Job.update(status="done").where(Job.key == "item:1:old").execute()
    # When those of item 1 are cancelled but for the ones ending in its new due date
    cancelled = jobs.cancel("item:1:", keep_suffix=":2027-02-01")
    # Then only item 1's other pending jobs are cancelled
    statuses = {job.key: job.status for job in Job.select()}
    assert cancelled == 2
    assert statuses == {
        "item:1:reminder:3:2027-01-15": "cancelled",
        "item:1:overdue:2027-01-15": "cancelled",
        "item:1:reminder:3:2027-02-01": "pending",
        "item:10:reminder:3:2027-01-15": "pending",
        "item:1_x:reminder": "pending",
        "cycle:1:brief": "pending",
        "item:1:old": "done",
    }
    # And without a suffix to keep, every pending job of the prefix goes
    assert jobs.cancel("item:1:") == 1
    assert jobs.cancel("item:1_") == 1  # an underscore in a prefix is no wildcard
