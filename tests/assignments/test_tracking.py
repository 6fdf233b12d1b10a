"""Submissions by email feed the tracking figures: the dashboard's on-time rate, weekly
engagement, and the at-risk rule on overdue assignments."""

from __future__ import annotations

import datetime as dt

from models import PersonWeek, RiskRule, clock
from tests.assignments.world import answer, emails, make_workshop, values
from workers.assignments.setting import create_assignment
from workers.tracking import atrisk, dashboard
from workers.tracking.scope import Scope


def test_submissions_by_email_count_on_time_late_and_overdue(db):
    # Given the case study set for everyone, due Mon 9 Nov 17:00
    world = make_workshop()
    people = world["people"]
    create_assignment(world["programme"], values())
    # When Ana replies on time, Ben late, and Cleo never
    clock.freeze(dt.datetime(2026, 11, 6, 9, 0))
    answer(emails("assignment", people["ana"])[0], "On time")
    clock.freeze(dt.datetime(2026, 11, 10, 9, 0))
    answer(emails("assignment", people["ben"])[0], "Late")
    clock.freeze(dt.datetime(2026, 11, 13, 9, 0))
    # Then the dashboard counts 2 of 3 submitted, 1 on time
    figures = dashboard.assignments(Scope(world["programme"].id), clock.now())
    assert (figures["set"], figures["submitted"], figures["on_time"]) == (3, 2, 1)
    assert figures["on_time_rate"] == 0.5
    # And each submission counts in its week's engagement
    week = PersonWeek.get(PersonWeek.person == people["ana"])
    assert week.submissions == 1
    # And with one missing assignment enough to flag, Cleo alone is flagged for it
    strict = {"overdue_count": 1, "overdue_strong": 1}
    RiskRule.create(programme=world["programme"], thresholds=strict)
    flags = atrisk.evaluate(world["programme"].id)
    overdue = {f.person_id for f in flags if any(s.name == "overdue" for s in f.signals)}
    assert overdue == {people["cleo"].id}
