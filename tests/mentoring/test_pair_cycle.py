"""After every session, between sessions, goals: the pair's cycle by reply, on the movable clock."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest

from models import (
    Attendance,
    Event,
    Goal,
    Job,
    MentoringGroup,
    Occurrence,
    OccurrenceRsvp,
    PairSettings,
    PersonWeek,
    PlanItem,
    RelayMessage,
    SessionFeedback,
    SlotProposal,
    clock,
)
from tests.followup.test_followup_e2e import gmail_reply
from tests.mentoring.pair_data import make_pair, message, process, sent, text_of
from workers.mentoring import feedback, goals, proposals, resources, sessions
from workers.mentoring.invitations import relay_address
from workers.mentoring.pairing import approve
from workers.runtime import jobs


@pytest.fixture
def world(db):
    world = make_pair(mentor_hours="Mon 16:00-18:00; Tue 16:00-18:00", mentee_hours=(
        "Mon 11:00-13:00; Tue 11:00-13:00"
    ))  # fmt: skip
    world["series"] = sessions.schedule_pair(world["group"].id)
    world["rows"] = list(world["series"].occurrences.order_by(Occurrence.starts_at))
    return world


def run_due() -> int:
    """Run every job due on the Tandem clock, as the scheduler and workers would."""
    ran = 0
    for job in Job.select().where((Job.status == "pending") & (Job.run_at <= clock.now())):
        ran += jobs.run(job.id) == "done"
    return ran


def test_after_the_session_both_are_asked_and_their_answers_attach_to_the_pair(world):
    first = world["rows"][0]
    goal = goals.add_goal(world["programme"], world["ben"], "Speak at assembly", "talks given",
                          3, dt.date(2027, 6, 1))  # fmt: skip
    clock.freeze(first.ends_at + dt.timedelta(minutes=1))
    assert run_due() >= 1
    assert feedback.ask_feedback(first.id) == 0  # asked once
    to_maya = sent("mentoring-feedback-mentor", "maya@example.org")[0]
    to_ben = sent("mentoring-feedback-mentee", "ben@example.org")[0]
    assert "Rating: 1 to 5, how Ben Pupil is progressing" in text_of(to_maya)
    assert "1. Speak at assembly" in text_of(to_ben)
    # The mentor: rating, attendance, notes and a new plan item
    answer = ("Rating: 4\nAttended: yes\nBen prepared well and spoke clearly.\n"
              "Action: draft the assembly speech @Ben by 20 March 2027")  # fmt: skip
    assert process(gmail_reply(message(to_maya), "maya@example.org", answer)) == "applied"
    mine = SessionFeedback.get(SessionFeedback.person == world["maya"])
    assert (mine.role, mine.rating) == ("mentor", 4)
    assert "spoke clearly" in mine.text and "Action" not in mine.text
    item = PlanItem.get()
    assert (item.title, item.owner_id, item.due_date) == (
        "draft the assembly speech",
        world["ben"].id,
        dt.date(2027, 3, 20),
    )
    rsvp = OccurrenceRsvp.get(OccurrenceRsvp.person == world["ben"])
    assert rsvp.attended is True
    # The mentee: satisfaction, reflection, a goal check-in and the plan
    answer = "Satisfaction: 5/5\nGoal 1: 2\nPlan 1: 50%\nI felt more confident."
    assert process(gmail_reply(message(to_ben), "ben@example.org", answer)) == "applied"
    theirs = SessionFeedback.get(SessionFeedback.person == world["ben"])
    assert (theirs.role, theirs.rating, theirs.text) == ("mentee", 5, "I felt more confident.")
    assert Goal.get_by_id(goal.id).progress == 67
    assert PlanItem.get().percent == 50
    kinds = sorted(e.kind for e in Event.select().where(Event.person == world["ben"]))
    assert kinds == ["attendance", "goal_checkin", "mentor_rating", "satisfaction"]
    assert Occurrence.get_by_id(first.id).status == "held"


def test_a_second_answer_corrects_the_feedback_and_counts_once(world):
    # Given both have answered the feedback requests after the first session
    first = world["rows"][0]
    clock.freeze(first.ends_at + dt.timedelta(minutes=1))
    run_due()
    to_maya = sent("mentoring-feedback-mentor", "maya@example.org")[0]
    to_ben = sent("mentoring-feedback-mentee", "ben@example.org")[0]
    process(gmail_reply(message(to_maya), "maya@example.org", "Rating: 3\nAttended: yes"))
    process(gmail_reply(message(to_ben), "ben@example.org", "Satisfaction: 4/5\nUseful."))
    # When each writes again to correct their answer
    answer = "Rating: 4\nAttended: no\nOn reflection he did not join: that was last week."
    assert process(gmail_reply(message(to_maya), "maya@example.org", answer)) == "applied"
    answer = "Satisfaction: 5/5\nVery useful."
    assert process(gmail_reply(message(to_ben), "ben@example.org", answer)) == "applied"
    # Then the pair's record holds the corrections, and tracking counted each thing once,
    # as corrected
    ratings = {f.role: f.rating for f in SessionFeedback.select()}
    assert ratings == {"mentor": 4, "mentee": 5}
    ben = {e.kind: e.value for e in Event.select().where(Event.person == world["ben"])}
    assert ben == {"absence": None, "mentor_rating": 4.0, "satisfaction": 5.0}
    week = PersonWeek.get(PersonWeek.person == world["ben"])
    assert (week.attended, week.absent, week.mentor_rating_sum, week.satisfaction_sum) == (
        0, 1, 4.0, 5.0
    )  # fmt: skip
    assert Attendance.get(Attendance.person == world["ben"]).absent == 1


def test_the_next_sessions_email_revisits_the_plan_and_suggests_resources(world):
    group, second = world["group"], world["rows"][1]
    PlanItem.create(group=group, owner=world["ben"], title="Outline the speech")
    resources.add_resource(world["programme"], "Speaking with confidence",
                           "Public speaking; voice", url="https://example.org/speak")  # fmt: skip
    resources.add_resource(world["programme"], "Budget basics", "budgets",
                           url="https://example.org/budgets")  # fmt: skip
    clock.freeze(second.starts_at - dt.timedelta(days=2))
    run_due()
    text = text_of(sent("mentoring-next-session", "ben@example.org")[0])
    assert "1. Outline the speech (Ben Pupil)" in text
    assert "Speaking with confidence: https://example.org/speak" in text
    assert "Budget basics" not in text
    assert relay_address(world["ben"], group) in text


def test_a_reached_goal_sends_a_certificate_once(world):
    goal = goals.add_goal(world["programme"], world["ben"], "Speak at assembly", "talks given",
                          3, dt.date(2027, 6, 1))  # fmt: skip
    goals.check_in(goal, 2, False, world["ben"])  # past halfway
    goals.check_in(Goal.get_by_id(goal.id), 3, False, world["ben"])
    goals.check_in(Goal.get_by_id(goal.id), 100, True, world["ben"])  # no second certificate
    rows = sent("mentoring-recognition", "ben@example.org")
    assert len(rows) == 2
    reached = message(rows[1])
    assert "you reached your goal" in reached.get_body(("plain",)).get_content()
    pdf = next(p for p in reached.iter_attachments() if p.get_content_type() == "application/pdf")
    text = pypdf.PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()
    assert "Ben Pupil" in text and "Speak at assembly" in text and "has reached" in text
    assert Goal.get_by_id(goal.id).status == "achieved"


def test_mentor_and_mentee_write_through_the_relay(world):
    group = world["group"]
    first = sent("mentoring-series", "ben@example.org")[0]
    original = message(first)
    del original["Reply-To"]
    original["Reply-To"] = relay_address(world["ben"], group)
    raw = gmail_reply(original, "ben@example.org", "Could we look at my draft first?")
    assert process(raw) == "applied"
    passed = sent("mentoring-relay", "maya@example.org")
    assert len(passed) == 1
    got = message(passed[0])
    assert "Could we look at my draft first?" in got.get_body(("plain",)).get_content()
    assert relay_address(world["maya"], group) in str(got["Reply-To"])
    assert RelayMessage.get().sender_id == world["ben"].id
    assert Event.get(Event.kind == "relay").person_id == world["ben"].id


def test_addresses_stay_hidden_when_the_programme_says_so(world):
    PairSettings.create(programme=world["programme"], hide_addresses=True)
    sessions.resend_series(world["series"].id)
    cal = message(sent("mentoring-series", "ben@example.org")[-1])
    assert "maya@example.org" not in cal.as_string()


def test_a_mentee_asks_for_a_session_this_week_and_both_get_times(world):
    clock.freeze(dt.datetime(2027, 3, 3, 9, 0))
    to_ben = sent("mentoring-series", "ben@example.org")[0]
    raw = gmail_reply(message(to_ben), "ben@example.org", "I need a session this week please.")
    assert process(raw) == "applied"
    proposal = SlotProposal.get()
    assert proposal.reason == "adhoc" and proposal.slots
    offer = sent("mentoring-slots", "maya@example.org")[0]
    assert "Ben Pupil asked for a session this week" in text_of(offer)
    assert process(gmail_reply(message(offer), "maya@example.org", "2")) == "applied"
    extra = [s for s in world["group"].series if s.kind == "adhoc"]
    assert len(extra) == 1 and extra[0].rrule == ""
    chosen = dt.datetime.fromisoformat(proposal.slots[1][0])
    assert extra[0].session.starts_at == chosen
    assert len(sent("mentoring-series", "ben@example.org")) == 2


def test_with_addresses_hidden_the_introduction_gives_the_relay_address(db):
    world = make_pair(mentor_hours="Mon 16:00-18:00", mentee_hours="Mon 11:00-13:00", paired=False)
    PairSettings.create(programme=world["programme"], hide_addresses=True)
    [group_id] = approve(proposals.propose(world["programme"], "test").id, "user:1")
    intro = text_of(sent("mentoring-introduction", "ben@example.org")[0])
    assert "maya@example.org" not in intro
    group = MentoringGroup.get_by_id(group_id)
    assert relay_address(world["ben"], group) in intro
    for row in sent("mentoring-series", "ben@example.org"):
        assert "maya@example.org" not in message(row).as_string()
