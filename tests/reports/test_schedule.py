"""Personal reports on a schedule, with the movable clock: who gets what, once per round."""

from __future__ import annotations

import datetime as dt

import pytest

from models import EmailAttachment, Job, OutboundEmail, ReportSchedule, clock
from tests.reports.report_data import HOSTILE, NOW, pdf_text, workshop
from workers.reports import schedule
from workers.reports.errors import BadSchedule
from workers.runtime import jobs


@pytest.fixture
def world(db):
    clock.freeze(NOW)
    return workshop()


def run_due() -> int:
    """Run every job due on the Tandem clock until none is left, as workers would."""
    ran = 0
    while True:
        due = Job.select().where((Job.status == "pending") & (Job.run_at <= clock.now()))
        done = [jobs.run(job.id) for job in due]
        if not done:
            return ran
        assert set(done) == {"done"}
        ran += len(done)


def sent(kind: str) -> list[tuple[str, str]]:
    rows = OutboundEmail.select().where(OutboundEmail.kind == kind).order_by(OutboundEmail.id)
    return [(row.to_addr, row.idem_key) for row in rows]


def test_reports_go_out_on_the_programme_rhythm_to_participants_and_team(world):
    # Given reports every two weeks, first one day from now
    first = NOW + dt.timedelta(days=1)
    schedule.set_schedule(world["programme"].id, every_weeks=2, first_at=first)
    # When the clock reaches just before it, nothing goes
    clock.freeze(first - dt.timedelta(minutes=1))
    assert run_due() == 0 and sent("report-personal") == []
    # When it passes the time
    clock.freeze(first + dt.timedelta(minutes=1))
    run_due()
    # Then each participant gets theirs, and their mentor a copy of each
    to = sorted(addr for addr, _ in sent("report-personal"))
    assert to == ["bob@example.org", "mia@example.org", "mia@example.org", "zoe@example.org"]
    # And the facilitator gets one digest, least work done first
    digest = OutboundEmail.get(OutboundEmail.kind == "report-team")
    assert digest.to_addr == "fay@example.org" and digest.ctx["count"] == 2
    assert [r["name"] for r in digest.ctx["rows"]] == ["Bob", HOSTILE]
    assert digest.ctx["url"].endswith(f"/programmes/{world['programme'].id}/tracking")
    # And every report carries its PDF, which names the participant
    zoe_mail = OutboundEmail.get(OutboundEmail.to_addr == "zoe@example.org")
    attachment = EmailAttachment.get(EmailAttachment.email == zoe_mail.id)
    assert attachment.content_type == "application/pdf" and HOSTILE in pdf_text(attachment.data)
    # When the same time comes again, nothing is sent twice; two weeks on, the next round goes
    assert run_due() == 0 and len(sent("report-personal")) == 4
    clock.freeze(first + dt.timedelta(weeks=2, minutes=1))
    run_due()
    assert len(sent("report-personal")) == 8 and len(sent("report-team")) == 2


def test_a_changed_schedule_replaces_the_round_set_before(world):
    # Given a schedule, then reports stopped (0 weeks)
    prog = world["programme"].id
    schedule.set_schedule(prog, every_weeks=1, first_at=NOW + dt.timedelta(hours=1))
    schedule.set_schedule(prog, every_weeks=0)
    # When the first time passes
    clock.freeze(NOW + dt.timedelta(weeks=3))
    run_due()
    # Then nothing went out
    assert sent("report-personal") == []
    assert ReportSchedule.get(ReportSchedule.programme == prog).next_at is None


@pytest.mark.parametrize("weeks", [-1, 53])
def test_it_refuses_a_rhythm_out_of_range(world, weeks):
    with pytest.raises(BadSchedule):
        schedule.set_schedule(world["programme"].id, every_weeks=weeks)
