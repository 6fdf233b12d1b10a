"""The daily at-risk pass: interventions sent once with reasons, outcomes by reply, clearing."""

from __future__ import annotations

import datetime as dt

import pytest

from models import Job, Membership, Person, RiskFlag, clock
from tests.tracking.builders import assignment, day, events, mentor, participant, programme
from tests.tracking.mailflow import gmail_reply, message, outlook_reply, process, sent, text_of
from tests.web.pages import log_in, make_login, text
from workers.runtime.scheduler import Pass
from workers.tracking import daily
from workers.tracking.outcomes import read_outcome


@pytest.fixture
def world(db):
    prog = programme()
    sam, lee, busy = (participant(prog, n) for n in ("Sam", "Lee", "Busy"))
    maya = mentor(prog, "Maya", [sam])
    fay = Person.create(name="Fay Facilitator", email="fay@example.org")
    Membership.create(programme=prog, person=fay, role="facilitator")
    events(prog, busy, "reply", [3, 10, 17, 24, 29])
    events(prog, lee, "reply", [1])
    return {"prog": prog, "sam": sam, "lee": lee, "busy": busy, "maya": maya, "fay": fay}


def run_on(n: float, prog) -> dict:
    clock.freeze(day(n, hour=7))
    return daily.run_daily(prog.id)


def test_a_new_flag_sends_one_intervention_with_its_reasons(world):
    prog, sam, maya = world["prog"], world["sam"], world["maya"]
    assignment(prog, "Case study", day(20), [sam, world["lee"], world["busy"]])
    assignment(prog, "Action plan", day(25), [sam, world["lee"], world["busy"]])

    # When the daily pass runs on day 30, and again (a retried job), and the next day
    first = run_on(30, prog)
    again = daily.run_daily(prog.id)
    run_on(31, prog)

    # Then Sam and Lee are flagged; each intervention went once, Sam's to his mentor
    assert first["raised"] == 2 and first["interventions"] == 2
    assert again["interventions"] == 0
    mails = sent("intervention-flag")
    assert [(m.to_addr, m.object_type) for m in mails] == [
        ("maya@example.org", "riskflag"),
        ("fay@example.org", "riskflag"),
    ]
    flag = RiskFlag.get(RiskFlag.person == sam)
    assert flag.intervention_by_id == maya.id and flag.intervention_sent_at == day(30, hour=7)
    text = text_of(mails[0])
    assert "Sam may be falling behind in Workshop" in str(message(mails[0])["Subject"])
    assert "nothing heard since joining on 2026-11-02 (29 days)" in text
    assert "2 assignments overdue: Case study (due 2026-11-22), Action plan" in text
    assert "assignment: Case study, due 2026-11-22" in text  # the data behind it
    html = message(mails[0]).get_body(("html",)).get_content()
    assert "nothing heard since joining" in html


def test_the_mentor_records_the_outcome_by_reply(world):
    run_on(30, world["prog"])
    request = message(sent("intervention-flag")[0])

    # When Maya replies from Gmail, with a signature and the email quoted below
    answer = (
        "Spoke to him on Tuesday, back on track now.\n\nBest,\nMaya\nMentor, Leadership Programme"
    )
    assert process(gmail_reply(request, "maya@example.org", answer)) == "applied"

    # Then the outcome and her words are kept, and she gets a confirmation
    flag = RiskFlag.get(RiskFlag.person == world["sam"])
    assert flag.outcome == "re-engaged"
    assert flag.outcome_note == "Spoke to him on Tuesday, back on track now."
    confirmation = text_of(sent("confirmation")[0])
    assert "Sam: back on track" in confirmation


def test_an_outlook_reply_reports_a_withdrawal(world):
    run_on(30, world["prog"])
    request = message(sent("intervention-flag")[1])  # Lee's, to the facilitator
    raw = outlook_reply(request, "fay@example.org", "Lee has withdrawn (new job).\n\nFay")
    assert process(raw) == "applied"
    flag = RiskFlag.get(RiskFlag.person == world["lee"])
    assert (flag.outcome, flag.outcome_note) == ("withdrew", "Lee has withdrawn (new job).")


def test_only_the_person_asked_can_record_the_outcome(world):
    run_on(30, world["prog"])
    request = message(sent("intervention-flag")[0])
    assert process(gmail_reply(request, "fay@example.org", "back on track")) == "quarantined"
    assert RiskFlag.get(RiskFlag.person == world["sam"]).outcome == ""


def test_a_reply_with_only_a_sign_off_is_kept_and_asked_back(world):
    run_on(30, world["prog"])
    request = message(sent("intervention-flag")[0])
    assert process(gmail_reply(request, "maya@example.org", "Thanks,\nMaya")) == "quarantined"


def test_a_flag_clears_when_its_reasons_do_and_the_mentor_is_told(world):
    prog, sam = world["prog"], world["sam"]
    run_on(30, prog)

    # When Sam comes back: replies on days 31 and 32
    events(prog, sam, "reply", [31, 32])
    done = run_on(33, prog)

    # Then his flag is cleared (kept, shown cleared) and Maya hears it once
    flag = RiskFlag.get(RiskFlag.person == sam)
    assert flag.cleared_at == day(33, hour=7)
    assert done["cleared_told"] == 1
    run_on(34, prog)
    told = sent("intervention-cleared")
    assert [m.to_addr for m in told] == ["maya@example.org"]
    assert "cleared on 2026-12-05" in text_of(told[0])
    assert "nothing heard since joining" in text_of(told[0])

    # And when he goes quiet again, a new flag makes a new intervention
    run_on(70, prog)
    assert RiskFlag.select().where(RiskFlag.person == sam).count() == 2
    assert [m.to_addr for m in sent("intervention-flag")].count("maya@example.org") == 2


def test_the_scheduler_creates_one_daily_job_per_programme_and_day(world):
    prog = world["prog"]
    daily.schedule_today(Pass(day(30, hour=5)))
    assert Job.select().where(Job.kind == daily.DAILY_JOB).count() == 0  # before 06:00

    for minute in (0, 1, 2):
        daily.schedule_today(Pass(day(30, hour=6) + dt.timedelta(minutes=minute)))

    job = Job.get(Job.kind == daily.DAILY_JOB)
    assert job.key == f"tracking-daily:{prog.id}:2026-12-02"
    assert job.run_at == day(30, hour=6) and job.payload == {"programme_id": prog.id}
    hourly = Job.select().where(Job.kind == daily.HEADCOUNT_JOB).order_by(Job.run_at)
    assert [j.run_at.hour for j in hourly] == [5, 6]  # one attendance pass an hour


@pytest.mark.parametrize(
    "reply, outcome",
    [
        ("spoke to her, back on track", "re-engaged"),
        ("Had a call with him - he will submit by Friday.", "re-engaged"),
        ("No answer to two calls and an email", "no-response"),
        ("Spoke to his manager; he hasn't replied to me yet", "no-response"),
        ("She has dropped out of the programme", "withdrew"),
        ("He's moving teams and won't continue", "withdrew"),
        ("Family matters, taking two weeks off", "other"),
    ],
)
def test_read_outcome(reply, outcome):
    assert read_outcome(reply).outcome == outcome


def test_read_outcome_needs_words():
    assert read_outcome("\n\nCheers,\nMaya\n", ("Maya",)) is None


def test_the_interventions_page_shows_outcomes_and_cleared_flags(world, client):
    prog, sam = world["prog"], world["sam"]
    run_on(30, prog)
    request = message(sent("intervention-flag")[0])
    process(gmail_reply(request, "maya@example.org", "Spoke to him, back on track <soon>"))
    events(prog, sam, "reply", [31])
    run_on(32, prog)
    make_login("cora@example.org", "Cora", programme=prog)
    log_in(client, "cora@example.org")

    body = text(client.get(f"/programmes/{prog.id}/interventions"))

    rows = body.split("<tr>")[2:]
    sam_row = next(r for r in rows if "<td>Sam</td>" in r)
    assert "Maya, 2026-12-02" in sam_row and "back on track" in sam_row
    assert "&lt;soon&gt;" in sam_row and "cleared 2026-12-04" in sam_row
    lee_row = next(r for r in rows if "<td>Lee</td>" in r)
    assert "Fay Facilitator, 2026-12-02" in lee_row and "<strong>open</strong>" in lee_row
    assert "interventions-link" in text(client.get(f"/programmes/{prog.id}/tracking"))
