"""Reminders before the due time and overdue notes after it, on the movable clock; never to
someone who has submitted."""

from __future__ import annotations

import datetime as dt

import pytest

from models import Job, OutboundEmail, Submission, clock
from tests.assignments.world import answer, emails, make_workshop, values
from workers.assignments.setting import create_assignment
from workers.runtime import jobs
from workers.tracking.events import record_submission


@pytest.fixture
def world(db):
    found = make_workshop()
    found["work"] = create_assignment(found["programme"], values(), found["blue"])
    return found


def run_due() -> list[str]:
    """Run every job due now, in order; return the kinds that ran."""
    due = Job.select().where((Job.status == "pending") & (Job.run_at <= clock.now()))
    return [job.kind for job in due.order_by(Job.run_at, Job.id) if jobs.run(job.id) == "done"]


def chased(kind: str) -> list[str]:
    return sorted(row.to_addr for row in emails(kind))


def test_it_reminds_before_the_due_time_and_notes_it_overdue_after(world):
    # Given Ana and Ben have the case study due Mon 9 Nov 17:00, reminders 3 and 1 days before
    # When the clock reaches Fri 6 Nov 17:00 (three days before)
    clock.freeze(dt.datetime(2026, 11, 6, 17, 0))
    assert run_due() == ["assignment.reminder"]
    # Then both are reminded, with the days left and a reply address for the assignment
    assert chased("assignment-reminder") == ["ana@example.org", "ben@example.org"]
    row = emails("assignment-reminder")[0]
    assert (row.object_type, row.object_id, row.ctx["days"]) == ("assignment", world["work"].id, 3)
    # When the day after the due time comes, they are told it is overdue
    clock.freeze(dt.datetime(2026, 11, 10, 17, 0))
    assert run_due() == ["assignment.reminder", "assignment.overdue"]
    assert chased("assignment-overdue") == ["ana@example.org", "ben@example.org"]


def test_nobody_is_reminded_after_submitting(world):
    # Given Ana submitted by reply on Thursday
    ana = world["people"]["ana"]
    clock.freeze(dt.datetime(2026, 11, 5, 12, 0))
    answer(emails("assignment", ana)[0], "My answer")
    # When every reminder and the overdue note come due
    clock.freeze(dt.datetime(2026, 11, 12, 9, 0))
    run_due()
    # Then only Ben was chased, three times
    sent = OutboundEmail.select().where(OutboundEmail.kind.startswith("assignment-"))
    chasers = [(r.kind, r.to_addr) for r in sent if r.kind != "assignment-received"]
    chasers = [c for c in chasers if c[0] != "assignment-review-request"]
    assert sorted(chasers) == [
        ("assignment-overdue", "ben@example.org"),
        ("assignment-reminder", "ben@example.org"),
        ("assignment-reminder", "ben@example.org"),
    ]


def test_a_submission_made_after_the_job_was_due_still_stops_it(world):
    # Given the 1-day reminder's time has passed while the scheduler was down
    ben = world["people"]["ben"]
    clock.freeze(dt.datetime(2026, 11, 8, 18, 0))
    # And Ben submitted (recorded some other way, such as an import) before it ran
    record_submission(world["work"], ben.id, text="on paper")
    assert Submission.select().count() == 1
    # When the late jobs run, the check at send time leaves Ben out
    run_due()
    assert "ben@example.org" not in chased("assignment-reminder")
    assert "ana@example.org" in chased("assignment-reminder")


def test_running_a_reminder_twice_sends_it_once(world):
    clock.freeze(dt.datetime(2026, 11, 6, 17, 0))
    job = Job.get(Job.kind == "assignment.reminder")
    jobs.run(job.id)
    Job.update(status="pending").where(Job.id == job.id).execute()
    jobs.run(job.id)
    assert len(emails("assignment-reminder")) == 2
