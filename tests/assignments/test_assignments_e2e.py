"""Assignments end to end by email, on real Redis and SMTP, with the movable clock: set, sent,
reminded, handed in from Gmail and Outlook, scored, reviewed by reply, fed back."""

from __future__ import annotations

import dataclasses
import datetime as dt

from models import Assignee, Submission, clock
from tests.assignments.world import make_workshop, values
from tests.followup.test_followup_e2e import drain, gmail_reply, outlook_reply, receive
from workers import settings as settings_mod
from workers.assignments.setting import create_assignment
from workers.runtime import scheduler


def mails(sink, to: str, subject: str) -> list:
    return [m for m in sink.parsed() if to in str(m["To"]) and subject in str(m["Subject"])]


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


def tick(worker) -> None:
    scheduler.tick()
    drain(worker)


def test_a_workshop_hands_in_work_by_email(smtp_sink, redis_broker, redis_worker, tmp_path):
    settings = settings_mod.get()
    settings_mod.configure(dataclasses.replace(settings, upload_dir=str(tmp_path / "uploads")))
    # Given the Blue cohort (Ana, Ben) set a case study and a quiz, due Mon 9 Nov 17:00
    world = make_workshop()
    create_assignment(world["programme"], values(), world["blue"])
    quiz = values(title="Quiz: first aid", kind="quiz", answer_key="1. b 2. true 3. 112")
    create_assignment(world["programme"], quiz, world["blue"])
    drain(redis_worker)
    case_to_ana = mails(smtp_sink, "ana@example.org", "Case study: the late bus")[0]
    quiz_to_ben = mails(smtp_sink, "ben@example.org", "Quiz: first aid")[0]
    assert len(mails(smtp_sink, "ben@example.org", "Case study")) == 1

    # When Ana hands in the case study from Gmail on Thursday
    clock.freeze(dt.datetime(2026, 11, 5, 12, 0))
    answer = "I would phone the school office, then wait with the younger pupils."
    assert receive(gmail_reply(case_to_ana, "ana@example.org", answer), redis_worker) == "applied"
    # Then she gets a receipt, and Fay a review request quoting her answer
    assert "is recorded" in text(mails(smtp_sink, "ana@example.org", "Received")[0])
    request = mails(smtp_sink, "fay@example.org", "Please review: Ana Prefect")[0]
    assert answer in text(request)

    # When Ben answers the quiz from Outlook, one answer wrong
    reply = outlook_reply(quiz_to_ben, "ben@example.org", "1 b, 2 false, 3 112")
    assert receive(reply, redis_worker) == "applied"
    # Then his score comes back at once
    assert "2 out of 3" in text(mails(smtp_sink, "ben@example.org", "score 2/3")[0])

    # When the reminders come due (3 days and 1 day before), only Ben is chased for the case
    # study, and Ana for the quiz
    clock.freeze(dt.datetime(2026, 11, 8, 17, 0))
    tick(redis_worker)
    assert len(mails(smtp_sink, "ben@example.org", "Due in")) == 2
    assert len(mails(smtp_sink, "ana@example.org", "Due in")) == 2
    assert all("Quiz" in str(m["Subject"]) for m in mails(smtp_sink, "ana@example.org", "Due"))

    # When Fay replies to the review request with a score and feedback
    review = gmail_reply(request, "fay@example.org", "score 9/10\nGood thinking about safety.")
    assert receive(review, redis_worker) == "applied"
    # Then Ana receives them
    feedback = mails(smtp_sink, "ana@example.org", "Feedback on Case study")[0]
    assert "9 out of 10" in text(feedback) and "Good thinking" in text(feedback)

    # When the day after the due time passes, Ben is told his case study is overdue
    clock.freeze(dt.datetime(2026, 11, 10, 17, 0))
    tick(redis_worker)
    assert len(mails(smtp_sink, "ben@example.org", "Overdue: Case study")) == 1
    assert mails(smtp_sink, "ana@example.org", "Overdue: Case study") == []
    # And the records agree: two on-time submissions, Ben's case study still missing
    assert Submission.select().count() == 2
    missing = Assignee.select().where(Assignee.submitted_at.is_null())
    assert sorted((a.person.name, a.assignment.title) for a in missing) == [
        ("Ana Prefect", "Quiz: first aid"),
        ("Ben Prefect", "Case study: the late bus"),
    ]
