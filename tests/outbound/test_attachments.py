"""Files sent with emails: attached once, sent over real SMTP, deleted 30 days after."""

from __future__ import annotations

import datetime as dt

from models import EmailAttachment, Job, OutboundEmail, Person, clock
from workers.outbound import attachments, delivery, outbox
from workers.runtime import jobs, scheduler

PDF = b"%PDF-1.4\n% a report\n"


def queue_with_file(person: Person, key: str, data: bytes = PDF) -> OutboundEmail:
    ctx = {"subject": "Report", "body": "Attached", "attached_files": ["report.pdf"]}
    row = outbox.queue_email("ping", person, ctx, key=key)
    attachments.attach_once(row, lambda: [("report.pdf", "application/pdf", data)])
    return row


def files_of(row: OutboundEmail) -> list[str]:
    query = EmailAttachment.select().where(EmailAttachment.email == row.id)
    return [a.filename for a in query]


def run_due_jobs() -> list[str]:
    """Run every job the scheduler finds due now, as a worker would; return their kinds."""
    found = jobs.due_jobs(scheduler.Pass(clock.now()))
    ran = []
    for job_id in sorted(i for ids in found.values() for i in ids):
        assert jobs.run(job_id) == "done"
        ran.append(Job.get_by_id(job_id).kind)
    return ran


def test_it_attaches_once_and_plans_the_cleaning_for_thirty_days_later(db):
    clock.freeze(dt.datetime(2026, 11, 2, 9, 0))
    person = Person.create(name="Ada", email="ada@example.org")
    row = queue_with_file(person, "report:1")
    # Queuing the same email again (same key) neither attaches again nor makes the file.
    made = []
    again = outbox.queue_email("ping", person, {"subject": "Report"}, key="report:1")
    assert not attachments.attach_once(again, lambda: made.append(1) or [])
    assert made == [] and files_of(row) == ["report.pdf"]
    [job] = Job.select().where(Job.kind == attachments.CLEAN_JOB)
    assert job.run_at == dt.datetime(2026, 12, 2, 23, 0)
    # A second email with a file on the same day shares that day's job.
    queue_with_file(person, "report:2")
    assert Job.select().where(Job.kind == attachments.CLEAN_JOB).count() == 1


def test_an_email_without_files_plans_nothing(db):
    person = Person.create(name="Ada", email="ada@example.org")
    row = outbox.queue_email("ping", person, {"subject": "Hi"}, key="k")
    assert not attachments.attach_once(row, lambda: [])
    assert not Job.select().where(Job.kind == attachments.CLEAN_JOB).exists()


def test_the_file_goes_out_then_is_deleted_thirty_days_after(smtp_sink):
    clock.freeze(dt.datetime(2026, 11, 2, 9, 0))
    person = Person.create(name="Ada", email="ada@example.org")
    row = queue_with_file(person, "report:1")
    assert delivery.deliver(row.id) == "sent"
    [message] = smtp_sink.parsed()
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "report.pdf" and part.get_content() == PDF
    # Nothing is cleaned before its day.
    clock.freeze(dt.datetime(2026, 12, 2, 22, 0))
    assert run_due_jobs() == []
    assert files_of(row) == ["report.pdf"]
    # On its day the file goes; the email's row stays as it was sent.
    clock.freeze(dt.datetime(2026, 12, 2, 23, 0))
    assert run_due_jobs() == [attachments.CLEAN_JOB]
    assert files_of(row) == []
    kept = OutboundEmail.get_by_id(row.id)
    assert kept.status == "sent" and kept.subject == "Report"


def test_it_keeps_the_files_of_emails_still_on_their_way_and_looks_again(db):
    start = dt.datetime(2026, 11, 2, 9, 0)
    clock.freeze(start)
    person = Person.create(name="Ada", email="ada@example.org")
    sent_early = queue_with_file(person, "a")
    sent_late = queue_with_file(person, "b")
    failed = queue_with_file(person, "c")
    waiting = queue_with_file(person, "d")
    OutboundEmail.update(status="sent", sent_at=start).where(
        OutboundEmail.id == sent_early.id
    ).execute()
    OutboundEmail.update(status="sent", sent_at=start + dt.timedelta(days=3)).where(
        OutboundEmail.id == sent_late.id
    ).execute()
    OutboundEmail.update(status="failed").where(OutboundEmail.id == failed.id).execute()

    clock.freeze(dt.datetime(2026, 12, 2, 23, 0))
    assert run_due_jobs() == [attachments.CLEAN_JOB]
    # Sent or given up on 30 days ago: deleted. Sent later, or not sent yet: kept.
    assert files_of(sent_early) == [] and files_of(failed) == []
    assert files_of(sent_late) == ["report.pdf"] and files_of(waiting) == ["report.pdf"]
    # The pass looks again the next day, and every day until those are done too.
    clock.freeze(dt.datetime(2026, 12, 3, 23, 0))
    assert run_due_jobs() == [attachments.CLEAN_JOB]
    assert files_of(sent_late) == ["report.pdf"]
    OutboundEmail.update(status="sent", sent_at=clock.now()).where(
        OutboundEmail.id == waiting.id
    ).execute()
    clock.freeze(dt.datetime(2026, 12, 5, 23, 0))
    assert run_due_jobs() == [attachments.CLEAN_JOB]
    assert files_of(sent_late) == []
    assert files_of(waiting) == ["report.pdf"]  # sent on 3 December: kept 30 days from then
    assert all(
        OutboundEmail.get_or_none(OutboundEmail.id == r.id) is not None
        for r in (sent_early, sent_late, failed, waiting)
    )
