"""The demo's prefects' programme opens with assignments: counts, a review, an overdue
prefect on the at-risk list, and a quiz in everyone's mailbox."""

from __future__ import annotations

import datetime as dt

from models import Assignment, Membership, Review, clock
from tests.assignments.world import emails
from workers.assignments.overview import assignment_rows
from workers.dev import demo
from workers.dev.demo_mentoring import MENTORING_NAME


def test_the_demo_has_assignments_handed_in_on_time_late_and_not_at_all(db):
    # Given a first run on Monday 2 November 2026
    clock.freeze(dt.datetime(2026, 11, 2, 8, 0))
    # When the demo loads
    assert demo.load() is True
    # Then the prefects' programme has two past assignments and a quiz
    programme = Assignment.select().first().programme
    assert programme.name == MENTORING_NAME
    rows = {r.assignment.title: r for r in assignment_rows(programme.id)}
    case = rows["Case study: the corridor argument"]
    assert (case.assigned, case.submitted, case.on_time) == (5, 4, 3)
    assert case.on_time_rate == 75
    assessment = rows["Self-assessment: leading a tutor group"]
    assert (assessment.submitted, assessment.on_time) == (3, 3)
    assert rows["Quiz: safeguarding basics"].submitted == 0
    # And a facilitator reviewed one submission, and the quiz went to the five prefects
    assert Review.select().count() == 1
    roles = {m.role for m in Membership.select().where(Membership.programme == programme)}
    assert "facilitator" in roles
    assert len(emails("assignment")) == 5
