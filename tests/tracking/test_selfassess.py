"""Self-assessments: sent by the daily pass within the budget, answered by reply, growth shown."""

from __future__ import annotations

import pytest

from models import Event, SelfCheck, SelfRating, clock
from tests.tracking.builders import day, participant, programme
from tests.tracking.mailflow import gmail_reply, message, outlook_reply, process, sent, text_of
from workers.tracking import budget, selfassess
from workers.tracking.atrisk import evaluate
from workers.tracking.selfassess_grammar import read_self_assessment
from workers.tracking.selfassess_growth import person_growth, programme_growth

NAMES = {1: "Listening", 2: "Giving feedback", 3: "Delegation"}


@pytest.fixture
def world(db):
    prog = programme()
    ann, bo = participant(prog, "Ann"), participant(prog, "Bo")
    selfassess.set_competences(prog.id, list(NAMES.values()))
    return {"prog": prog, "ann": ann, "bo": bo}


def ask(prog, n: float) -> int:
    clock.freeze(day(n, hour=7))
    return selfassess.send_due_checks(prog.id)


def answer(person, text: str, client=gmail_reply) -> str:
    """Reply to the person's latest questionnaire."""
    row = [m for m in sent("self-assessment") if m.person_id == person.id][-1]
    return process(client(message(row), person.email, text))


def test_it_sends_the_questionnaire_every_four_weeks(world):
    prog = world["prog"]
    assert ask(prog, 0) == 2
    assert ask(prog, 1) == 0  # asked yesterday
    assert ask(prog, 27) == 0
    assert ask(prog, 28) == 2
    text = text_of(sent("self-assessment")[0])
    assert "1) Listening" in text and "3) Delegation" in text
    assert "1 = not yet" in text


def test_a_programme_chooses_how_many_weeks_apart_it_asks(world):
    prog = world["prog"]
    assert selfassess.set_period(prog.id, 2) == 2
    assert ask(prog, 0) == 2
    assert ask(prog, 13) == 0
    assert ask(prog, 14) == 2
    with pytest.raises(selfassess.CompetenceError, match="1 to 26 weeks"):
        selfassess.set_period(prog.id, 27)
    assert selfassess.set_period(prog.id, None) == selfassess.DEFAULT_WEEKS == 4
    assert ask(prog, 41) == 0 and ask(prog, 42) == 2


def test_a_full_budget_defers_the_questionnaire(world):
    prog, ann = world["prog"], world["ann"]
    budget.set_per_week(prog, 1)
    budget.schedule_optional(ann, prog, "survey", day(0, hour=7), "survey:1")  # week taken

    assert ask(prog, 0) == 1  # Bo only
    assert ask(prog, 3) == 0  # Ann's week is still full
    assert ask(prog, 7) == 1  # the Monday after: Ann's place comes
    assert [m.to_addr for m in sent("self-assessment")] == ["bo@example.org", "ann@example.org"]


def test_replies_record_ratings_per_competence(world):
    prog, ann, bo = world["prog"], world["ann"], world["bo"]
    ask(prog, 0)

    # When Ann answers by number from Gmail and Bo by name from Outlook, signed
    assert answer(ann, "1) 4 2) 3 3) 2\n\nThanks,\nAnn") == "applied"
    assert answer(bo, "Listening: 3\nGiving feedback 2/5; delegation - 4\n\nBo", outlook_reply)

    # Then each rating is kept, and the mean counts as a self-assessment event
    ratings = {(r.person_id, r.competence.name): r.value for r in SelfRating.select()}
    assert ratings == {
        (ann.id, "Listening"): 4, (ann.id, "Giving feedback"): 3, (ann.id, "Delegation"): 2,
        (bo.id, "Listening"): 3, (bo.id, "Giving feedback"): 2, (bo.id, "Delegation"): 4,
    }  # fmt: skip
    event = Event.get((Event.person == ann) & (Event.kind == "self_assessment"))
    assert event.value == 3.0
    assert "Listening: 4/5" in text_of(sent("confirmation")[0])
    assert SelfCheck.get(SelfCheck.person == ann).answered_at == day(0, hour=7)


def test_a_reply_rating_nothing_is_kept_and_asked_back(world):
    ask(world["prog"], 0)
    assert answer(world["ann"], "I'm not sure how to answer this, can we talk?") == "quarantined"
    assert SelfRating.select().count() == 0


def test_growth_per_person_and_programme_average(world):
    prog, ann, bo = world["prog"], world["ann"], world["bo"]
    for n, (a, b) in enumerate([("2 2 1", "3 3 3"), ("3 3 2", "3 2 3"), ("4 4 3", "4 2 3")]):
        ask(prog, 28 * n)
        answer(ann, a)
        answer(bo, b)

    growth = {(g["name"], g["competence"]): (g["first"], g["latest"], g["change"])
              for g in person_growth(prog.id)}  # fmt: skip
    assert growth[("Ann", "Listening")] == (2, 4, 2)
    assert growth[("Bo", "Giving feedback")] == (3, 2, -1)
    average = {g["competence"]: (g["first"], g["latest"], g["change"], g["people"])
               for g in programme_growth(prog.id)}  # fmt: skip
    assert average == {
        "Listening": (2.5, 4.0, 1.5, 2),
        "Giving feedback": (2.5, 3.0, 0.5, 2),
        "Delegation": (2.0, 3.0, 1.0, 2),
    }


def test_a_falling_self_assessment_feeds_the_at_risk_rules(world):
    prog, bo = world["prog"], world["bo"]
    for n, text in enumerate(["5 5 5", "5 4 5", "5 5 4", "2 2 2", "2 1 2", "1 2 2"]):
        ask(prog, 28 * n)
        answer(bo, text)
    flags = {f.person_id: f for f in evaluate(prog.id, day(28 * 5, hour=8))}
    words = [s.words for s in flags[bo.id].signals if s.name.startswith("self_assessment")]
    assert words and words[0].startswith("self-assessment falling: 1.8 in the last 3 against 4.8")


@pytest.mark.parametrize(
    "text, ratings",
    [
        ("1) 4 2) 3 3) 5", {1: 4, 2: 3, 3: 5}),
        ("1. 4\n2. 3\n3. 5", {1: 4, 2: 3, 3: 5}),
        ("Q1: 2, Q3: 5", {1: 2, 3: 5}),
        ("4 3 5", {1: 4, 2: 3, 3: 5}),
        ("Listening: 4\nDelegation 2/5 (getting there)", {1: 4, 3: 2}),
        ("listenning - 3; giving feedback: 5", {1: 3, 2: 5}),
        ("Hi!\n\n1) 4  2) 4  3) 3\n\nKind regards,\nAnn Smith\nHead of Year 9", {1: 4, 2: 4, 3: 3}),
    ],
)
def test_read_self_assessment(text, ratings):
    found = read_self_assessment(text, NAMES, ("Ann Smith",))
    assert found.ratings == ratings and found.problems == []


@pytest.mark.parametrize(
    "text, problem",
    [
        ("Listening: 7", "Listening: 7 is not a whole number from 1 to 5"),
        ("4) 3", "4) 3: there is no question 4"),
        ("4 3", "4 3: 2 ratings for 3 questions"),
        ("Patience: 4", "Patience: 4: no competence called 'Patience'"),
    ],
)
def test_read_self_assessment_reports_what_it_cannot_take(text, problem):
    found = read_self_assessment(text, NAMES)
    assert found.ratings == {} and found.problems == [problem]
