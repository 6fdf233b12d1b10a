"""Surveys: NPS on hand-checked answers, reading real replies, the budget, the impact survey."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest

from models import Event, InboundMessage, Job, OutboundEmail, Survey, SurveyResponse, clock
from tests.followup.test_followup_e2e import gmail_reply, outlook_reply
from tests.tracking.builders import cohort, day, participant, programme
from workers.inbound import store as inbound_store
from workers.inbound import worker as inbound_worker
from workers.outbound.delivery import build
from workers.runtime import jobs
from workers.tracking import budget, impact, survey_results
from workers.tracking.survey_grammar import parse_survey_reply
from workers.tracking.surveys import apply_answer, create_survey, send_survey


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # 10, 9, 9, 10 promote; 8, 7 are passive; 6, 5, 3, 0 detract: (4 - 4) / 10
        ([10, 9, 9, 8, 7, 6, 3, 0, 10, 5], (4, 2, 4, 0.0)),
        ([10, 10, 9, 8, 2], (3, 1, 1, 40.0)),  # (3 - 1) / 5
        ([0, 6, 7], (0, 1, 2, -66.7)),  # (0 - 2) / 3 = -66.67
        ([7, 8], (0, 2, 0, 0.0)),
        ([], (0, 0, 0, None)),
    ],
)
def test_nps_counts_promoters_passives_and_detractors(answers, expected):
    found = survey_results.nps_of(answers)
    assert (found["promoters"], found["passives"], found["detractors"], found["nps"]) == expected


@pytest.mark.parametrize(
    ("reply", "scores", "comment"),
    [
        ("Satisfaction: 4\nRecommend: 9\nComment: more role-play please", (4, 9), "role-play"),
        ("5\n10\n\nThanks, it was brilliant.", (5, 10), "brilliant"),
        ("I'd give it a 9 out of 10", (None, 9), "give it"),
        ("4/5 and 9/10", (4, 9), ""),
        ("Satisfaction 4, recommend 9", (4, 9), ""),
        ("Very satisfied! Loved the panels.", (5, None), "panels"),
        ("4 - great sessions, but too early in the morning", (4, None), "too early"),
        ("4 stars", (4, None), ""),
        (
            "Rating: very satisfied\nWould recommend: 8\n"
            "Feedback: The mentor sessions were the best part.\nMore of those, please.",
            (5, 8),
            "More of those",
        ),
        ("2 things I liked: the panels and the mentors", (None, None), "2 things"),
    ],
)
def test_it_reads_replies_as_people_write_them(reply, scores, comment):
    answer = parse_survey_reply(reply)
    assert (answer.scores.get("satisfaction"), answer.scores.get("nps")) == scores
    assert comment in answer.comment
    assert not answer.problems


def test_it_reports_a_score_out_of_range_and_keeps_none():
    answer = parse_survey_reply("Satisfaction: 7\nRecommend: 12")
    assert answer.scores == {}
    assert answer.problems == [
        "Satisfaction: 7 is not from 1 to 5 (Satisfaction: 7)",
        "Recommendation: 12 is not from 0 to 10 (Recommend: 12)",
    ]


def test_a_bare_number_answers_the_only_question_asked():
    assert parse_survey_reply("9", asks=("nps",)).scores == {"nps": 9}


@pytest.fixture
def cohort_of_four(db):
    """A programme with four participants, the clock on day 0 (a Monday)."""
    clock.freeze(day(0))
    prog = programme()
    people = [participant(prog, name) for name in ("Ann", "Bo", "Cy", "Di")]
    return prog, people


def sent_to(address: str) -> email.message.EmailMessage:
    row = (
        OutboundEmail.select()
        .where((OutboundEmail.to_addr == address) & (OutboundEmail.kind == "survey-request"))
        .order_by(OutboundEmail.id.desc())
        .get()
    )
    return email.message_from_bytes(build(row).as_bytes(), policy=email.policy.default)


def reply(address: str, text: str, compose=gmail_reply) -> str:
    stored, _ = inbound_store.store_raw(compose(sent_to(address), address, text), "smtp")
    return inbound_worker.process(stored.id)


def test_a_survey_over_budget_waits_for_a_week_with_room(cohort_of_four):
    prog, (ann, bo, *_) = cohort_of_four
    # Given Ann has had her two optional emails this week
    for n in range(2):
        budget.schedule_optional(ann, prog, "nudge", day(0), f"nudge:{n}")
    # When a survey goes to everyone
    survey = create_survey(prog, "Mid-programme check-in")
    assert send_survey(survey) == {"now": 3, "later": 1}
    # Then Ann's request waits for next Monday, as a job; the others go now
    waiting = SurveyResponse.get(SurveyResponse.person == ann.id)
    assert (waiting.status, waiting.send_at) == ("scheduled", day(7))
    job = Job.get(Job.kind == "tracking.survey_request")
    assert job.run_at == day(7)
    assert not OutboundEmail.select().where(OutboundEmail.to_addr == ann.email).exists()
    text = sent_to(bo.email).get_body(("plain",)).get_content()
    assert "How likely are you to recommend Workshop to a colleague?" in text
    assert "/survey/" in text
    # And when next Monday comes, the job sends it
    clock.freeze(day(7))
    assert jobs.run(job.id) == "done"
    assert SurveyResponse.get_by_id(waiting.id).status == "sent"
    assert "How satisfied are you" in sent_to(ann.email).get_body(("plain",)).get_content()
    # Asking again sends nothing twice
    assert send_survey(survey) == {"now": 0, "later": 0}


def test_a_deferred_request_is_not_sent_to_an_address_that_bounced_meanwhile(cohort_of_four):
    prog, (ann, *_) = cohort_of_four
    budget.set_per_week(prog, 1)
    budget.schedule_optional(ann, prog, "nudge", day(0), "nudge:1")
    send_survey(create_survey(prog, "Pulse"))
    ann.bounce_state = "hard"
    ann.save()
    clock.freeze(day(7))
    jobs.run(Job.get(Job.kind == "tracking.survey_request").id)
    assert SurveyResponse.get(SurveyResponse.person == ann.id).status == "scheduled"
    assert not OutboundEmail.select().where(OutboundEmail.to_addr == ann.email).exists()


def test_a_reply_answers_the_survey_and_counts_as_satisfaction(cohort_of_four):
    prog, (ann, bo, cy, di) = cohort_of_four
    survey = create_survey(prog, "End of programme")
    send_survey(survey)
    # When Ann and Bo reply from their mail clients
    clock.freeze(day(1))
    assert reply(ann.email, "Satisfaction: 4\nRecommend: 9\nComment: More role-play.") == "applied"
    assert reply(bo.email, "3/5 and 6/10 - the sessions were too long", outlook_reply) == "applied"
    # Then their answers are kept, and each satisfaction is an event of the programme
    mine = SurveyResponse.get(SurveyResponse.person == ann.id)
    assert (mine.satisfaction, mine.nps, mine.comment, mine.source) == (
        4,
        9,
        "More role-play.",
        "email",
    )
    events = Event.select().where(Event.kind == "satisfaction").order_by(Event.value)
    assert [(e.person_id, e.value) for e in events] == [(bo.id, 3), (ann.id, 4)]
    confirmation = OutboundEmail.get(
        (OutboundEmail.to_addr == ann.email) & (OutboundEmail.kind == "confirmation")
    )
    assert "Recommend: 9" in confirmation.ctx["recorded"]
    # And the figures: 2 of 4 answered; NPS (1 promoter - 1 detractor) / 2 = 0
    figures = survey_results.programme_surveys(prog.id)[0]
    assert (figures["asked"], figures["answered"], figures["response_rate"]) == (4, 2, 0.5)
    assert (figures["satisfaction"], figures["nps"], figures["comments"]) == (3.5, 0.0, 2)


def test_a_reply_with_nothing_to_keep_is_kept_for_a_coordinator(cohort_of_four):
    prog, (ann, *_) = cohort_of_four
    send_survey(create_survey(prog, "Pulse"))
    assert reply(ann.email, "Recommend: 11") == "quarantined"
    row = InboundMessage.select().order_by(InboundMessage.id.desc()).get()
    assert row.reason == "AmbiguousReplyError"
    assert SurveyResponse.get(SurveyResponse.person == ann.id).status == "sent"


def test_a_later_answer_replaces_the_scores_it_gives(cohort_of_four):
    prog, (ann, *_) = cohort_of_four
    send_survey(create_survey(prog, "Pulse"))
    response = SurveyResponse.get(SurveyResponse.person == ann.id)
    apply_answer(response, {"satisfaction": 2, "nps": 5}, "", "form")
    apply_answer(SurveyResponse.get_by_id(response.id), {"nps": 8}, "Better now", "form")
    again = SurveyResponse.get_by_id(response.id)
    assert (again.satisfaction, again.nps, again.comment) == (2, 8, "Better now")


def test_the_impact_survey_goes_months_after_the_programme_ends(cohort_of_four):
    prog, people = cohort_of_four
    # Given the last cohort ends on 2027-01-29 and the plan says six months
    group = cohort(prog, "Spring")
    group.ends_on = dt.date(2027, 1, 29)
    group.save()
    due = impact.save_plan(prog, None, 6)
    assert due == dt.datetime(2027, 7, 29, 9, 0)
    # When the end moves to the last day of February, the job moves with it
    due = impact.save_plan(prog, dt.date(2027, 2, 28), 6)
    assert due == dt.datetime(2027, 8, 28, 9, 0)
    pending = Job.select().where((Job.kind == impact.IMPACT_JOB) & (Job.status == "pending"))
    assert [j.run_at for j in pending] == [due]
    # Then on that day the impact survey is made and everyone is asked, once
    clock.freeze(due)
    job = pending.get()
    assert jobs.run(job.id) == "done"
    survey = Survey.get(Survey.kind == "impact")
    assert survey.title == "Workshop: 6 months on"
    assert SurveyResponse.select().where(SurveyResponse.survey == survey.id).count() == 4
    text = sent_to(people[0].email).get_body(("plain",)).get_content()
    assert "What has changed in your work since the programme?" in text
    impact.send_impact_survey(prog.id, due.date().isoformat())
    assert Survey.select().where(Survey.kind == "impact").count() == 1


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert impact.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert impact.add_months(dt.date(2026, 11, 15), 14) == dt.date(2028, 1, 15)
