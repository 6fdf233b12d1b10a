"""Reading what mentors and mentees write back: ratings, attendance, plan, goals, actions."""

from __future__ import annotations

import datetime as dt

import pytest

from workers.mentoring.pair_grammar import read_pair_reply

TODAY = dt.date(2027, 3, 2)


def read(text: str, **options):
    return read_pair_reply(text, timezone="Europe/London", today=TODAY, **options)


@pytest.mark.parametrize(
    "line, rating",
    [("Rating: 4", 4), ("rating 5/5", 5), ("Satisfaction: 8/10", 4), ("4/5", 4), ("3 out of 5", 3)],
)
def test_it_reads_a_rating_on_a_five_point_scale(line, rating):
    assert read(line).rating == rating


def test_it_reads_a_whole_mentor_answer_and_keeps_the_notes():
    found = read(
        "Rating: 4\nAttended: yes\nPlan 1: done\nPlan 2: 60%\nGoal 1: 3\nGoal 2: 40%\n"
        "Ben prepared well.\nAction: book the hall @Ben by 20 March 2027\n\nThanks,\nMaya"
    )
    assert (found.rating, found.attended) == (4, True)
    assert found.plan[1].status == "done" and found.plan[2].percent == 60
    assert found.goals == {1: (3.0, False), 2: (40.0, True)}
    assert [(a.title, a.owner_ref, a.due) for a in found.actions] == [
        ("book the hall", "Ben", dt.date(2027, 3, 20))
    ]
    assert found.text.startswith("Ben prepared well.")
    assert found.problems == []


@pytest.mark.parametrize(
    "line, came", [("Attended: all", {1, 2, 3}), ("attendance: all except 2", {1, 3}),
                   ("Attended: 1, 3", {1, 3}), ("Attended: none", set())],
)  # fmt: skip
def test_a_group_mentor_says_who_attended(line, came):
    assert read(line, group_size=3).attended == came


def test_unreadable_labelled_lines_are_reported_not_guessed():
    found = read("Attended: maybe\nPlan 1: soonish\nGoal 1: 140%")
    assert found.attended is None and found.plan == {} and found.goals == {}
    assert len(found.problems) == 3


@pytest.mark.parametrize(
    "text, ad_hoc",
    [("I need a session this week", True), ("Could we have a quick call on Thursday?", True),
     ("Thanks for the session", False), ("We need to talk about the budget", True)],
)  # fmt: skip
def test_it_notices_a_request_for_an_extra_session(text, ad_hoc):
    assert read(text).ad_hoc is ad_hoc


def test_a_number_alone_names_an_offered_time():
    assert read("2").option == 2 and read("Option 3 please").option == 3
