"""Badges at milestones, completion certificates and shout-outs, on hand-checked data."""

from __future__ import annotations

import datetime as dt

import pytest

from models import Badge, Cohort, CohortMember, EmailAttachment, OutboundEmail, Session, clock
from tests.reports.report_data import HOSTILE, NOW, pdf_text, workshop
from tests.tracking.builders import day, events
from workers.reports import recognition
from workers.tracking import daily


@pytest.fixture
def world(db):
    return workshop()


def badges_of(person) -> set[str]:
    return {b.kind for b in Badge.select().where(Badge.person == person)}


def test_it_awards_each_milestone_once(world):
    # Given Zoë: two submissions (one late), a goal achieved, three sessions attended
    # When badges are awarded on day 21, twice
    first = recognition.award(world["programme"].id, NOW)
    again = recognition.award(world["programme"].id, NOW + dt.timedelta(hours=1))
    # Then she has a first submission and a goal reached; not "always on time" (one was late)
    # nor "regular attender" (3 of the 5 sessions needed); Bob has none
    assert badges_of(world["zoe"]) == {"first_submission", "goal_reached"}
    assert first["first_submission"] == [world["zoe"].id] and badges_of(world["bob"]) == set()
    assert all(people == [] for people in again.values())
    # When she attends two more sessions
    events(world["programme"], world["zoe"], "attendance", [22, 23])
    recognition.award(world["programme"].id, day(24))
    # Then she is a regular attender
    assert "sessions_attended" in badges_of(world["zoe"])


def test_completers_get_a_certificate_when_their_cohort_ends(world):
    # Given both in a cohort ending on day 20, and Bob catching up on his work
    prog = world["programme"]
    cohort = Cohort.create(programme=prog, name="Spring", ends_on=day(20).date())
    for person in (world["zoe"], world["bob"]):
        CohortMember.create(cohort=cohort, programme=prog, person=person)
    # When completion is awarded on day 21
    awarded = recognition.award(prog.id, NOW)
    recognition.certify(prog.id, awarded["completed"], NOW)
    # Then Zoë (all work in, 3 of 4 sessions) completed; Bob (nothing in, no session) did not
    assert awarded["completed"] == [world["zoe"].id]
    mail = OutboundEmail.get(OutboundEmail.kind == "recognition-completed")
    assert mail.to_addr == "zoe@example.org"
    text = pdf_text(EmailAttachment.get(EmailAttachment.email == mail.id).data)
    assert "Certificate of completion" in text and HOSTILE in text and "Workshop" in text
    # And a second pass sends no second certificate
    recognition.certify(prog.id, [world["zoe"].id], NOW)
    assert OutboundEmail.select().where(OutboundEmail.kind == "recognition-completed").count() == 1


def test_shout_outs_list_what_was_earned_since_the_last_session(world):
    # Given a session that ended on day 14 and one coming on day 28
    prog = world["programme"]
    for n, title in ((14, "Week 2"), (28, "Week 4")):
        Session.create(programme=prog, title=title, starts_at=day(n), ends_at=day(n, 11),
                       uid=f"s{n}@tandem")  # fmt: skip
    recognition.award(prog.id, day(10))  # her first submission and goal, before the session
    Badge.delete().where(Badge.kind == "goal_reached").execute()
    recognition.award(prog.id, NOW)  # the goal again, now after it
    # When the shout-outs are listed on day 21
    found = recognition.shout_outs(prog.id, NOW)
    # Then they count from the end of the last session and name the next one
    assert found["since"] == day(14, 11) and found["next_session"]["title"] == "Week 4"
    # And they list what was earned since, not the badge from day 10
    assert [(p["name"], p["kind"], p["detail"]) for p in found["people"]] == [
        (HOSTILE, "goal_reached", "Run a club")
    ]


def test_closing_the_programme_certifies_completers_without_a_cohort(world, runner):
    # Given no cohort end date, on day 21
    clock.freeze(NOW)
    prog = world["programme"]
    # When the coordinator closes the programme
    result = runner.invoke(args=["tracking", "close", str(prog.id)])
    # Then Zoë (all work due in, 3 of 4 sessions) gets her certificate; Bob (none in) does not
    assert result.exit_code == 0 and "1 completion certificate sent." in result.output
    mail = OutboundEmail.get(OutboundEmail.kind == "recognition-completed")
    assert mail.to_addr == "zoe@example.org"
    assert "Certificate of completion" in pdf_text(
        EmailAttachment.get(EmailAttachment.email == mail.id).data
    )
    # And closing again sends nothing more
    again = runner.invoke(args=["tracking", "close", str(prog.id)])
    assert "0 completion certificates sent." in again.output


def test_the_daily_pass_awards_badges_without_a_report_schedule(world):
    # When the programme's daily tracking pass runs on day 21
    done = daily.run_daily(world["programme"].id, NOW)
    # Then Zoë's two badges are awarded, ready for the shout-outs
    assert done["badges"] == 2
    assert badges_of(world["zoe"]) == {"first_submission", "goal_reached"}
