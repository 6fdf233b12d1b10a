"""The daily pass end to end: the scheduler creates it, a worker runs it, the mentor's
intervention goes out over SMTP once, and her Gmail reply records the outcome."""

from __future__ import annotations

import dramatiq

from models import RiskFlag, clock
from tests.followup.test_followup_e2e import drain, receive, sent_to
from tests.tracking.builders import day, events, mentor, participant, programme
from tests.tracking.mailflow import gmail_reply
from workers.runtime import scheduler


def tick(worker: dramatiq.Worker) -> None:
    """Two scheduler passes (the daily sweep creates the job, the jobs sweep enqueues it)."""
    scheduler.tick()
    scheduler.tick()
    drain(worker)


def test_a_late_participant_is_flagged_and_the_mentor_answers(
    smtp_sink, redis_broker, redis_worker
):
    # Given Sam, silent since joining, and Busy, who replies every week
    prog = programme()
    sam, busy = participant(prog, "Sam"), participant(prog, "Busy")
    mentor(prog, "Maya", [sam])
    events(prog, busy, "reply", [3, 10, 17, 24, 29])

    # When the scheduler runs on day 30 before six, then after, and again later that day
    clock.freeze(day(30, hour=5))
    tick(redis_worker)
    assert not sent_to(smtp_sink, "maya@example.org", "falling behind")
    clock.freeze(day(30, hour=6))
    tick(redis_worker)
    clock.freeze(day(30, hour=11))
    tick(redis_worker)

    # Then Maya got one intervention naming the reason
    mails = sent_to(smtp_sink, "maya@example.org", "Sam may be falling behind")
    assert len(mails) == 1
    assert "nothing heard since joining" in mails[0].get_body(("plain",)).get_content()

    # When she answers from Gmail, the outcome is recorded and confirmed
    raw = gmail_reply(mails[0], "maya@example.org", "Called him: he is back on track.\n\nMaya")
    assert receive(raw, redis_worker) == "applied"
    assert RiskFlag.get(RiskFlag.person == sam).outcome == "re-engaged"
    assert sent_to(smtp_sink, "maya@example.org", "Recorded")
