"""The optional-email budget: optional emails deferred to a week with room, deadlines never."""

from __future__ import annotations

import datetime as dt

import pytest

from models import OptionalSend, clock
from tests.tracking.builders import day, participant, programme
from workers.tracking import budget


@pytest.fixture
def people(db):
    """A programme (default budget: two a week) and two participants."""
    prog = programme()
    return prog, participant(prog, "Ann"), participant(prog, "Bo")


def test_it_sends_within_the_budget_at_the_time_asked(people):
    prog, ann, _ = people
    # Given an empty week, when two optional emails ask for Tuesday and Wednesday
    first = budget.schedule_optional(ann, prog, "survey", day(1), "survey:1")
    second = budget.schedule_optional(ann.id, prog.id, "nudge", day(2), "nudge:1")
    # Then both go when asked
    assert (first, second) == (day(1), day(2))
    assert budget.used(ann, day(0).date()) == 2


def test_it_defers_an_optional_email_over_budget_to_the_next_week_with_room(people):
    prog, ann, bo = people
    # Given Ann's week 0 full (two) and week 1 full too
    for n, when in enumerate((day(0), day(3), day(7), day(8))):
        budget.schedule_optional(ann, prog, "survey", when, f"survey:{n}")
    # When a self-assessment asks for Thursday of week 0
    wanted = day(3, hour=14)
    got = budget.schedule_optional(ann, prog, "self_assessment", wanted, "self:1")
    # Then it goes on the Monday of week 2, at the same time of day; nothing is dropped
    assert got == dt.datetime(2026, 11, 16, 14, 0)
    assert OptionalSend.select().where(OptionalSend.person == ann.id).count() == 5
    # And Bo's week is his own
    assert budget.schedule_optional(bo, prog, "survey", wanted, "survey:0") == wanted


def test_it_never_holds_back_deadlines_reminders_or_replies(people):
    prog, ann, _ = people
    # Given Ann's week already full of optional emails
    budget.set_per_week(prog, 1)
    budget.schedule_optional(ann, prog, "survey", day(0), "survey:1")
    assert budget.schedule_optional(ann, prog, "nudge", day(1), "nudge:1") == day(7)
    # When a deadline, a deadline's reminder and a reply ask for Tuesday
    for kind in budget.ESSENTIAL_KINDS:
        # Then each goes at once, and takes no place in the week
        assert budget.schedule_optional(ann, prog, kind, day(1), f"{kind}:1") == day(1)
    assert budget.used(ann, day(0).date()) == 1


def test_asking_twice_for_the_same_email_returns_the_same_place(people):
    prog, ann, _ = people
    budget.set_per_week(prog, 1)
    budget.schedule_optional(ann, prog, "survey", day(0), "survey:1")
    first = budget.schedule_optional(ann, prog, "survey", day(1), "survey:2")
    again = budget.schedule_optional(ann, prog, "survey", day(2), "survey:2")
    assert first == again == day(7)


def test_a_released_place_makes_room_again(people):
    prog, ann, _ = people
    clock.freeze(day(0, hour=8))
    budget.set_per_week(prog, 1)
    budget.schedule_optional(ann, prog, "survey", day(1), "survey:1")
    assert not budget.may_send_optional(ann, prog, day(2))
    assert budget.release_optional(ann, "survey:1") == 1
    assert budget.may_send_optional(ann, prog, day(2))


def test_another_programmes_larger_budget_does_not_stretch_this_one(people):
    prog, ann, _ = people
    other = programme("Other")
    budget.set_per_week(other, 3)
    for n in range(3):
        budget.schedule_optional(ann, other, "survey", day(n), f"other:{n}")
    # Ann's week holds three already: this programme (two a week) waits for the next one
    assert budget.schedule_optional(ann, prog, "survey", day(4), "survey:1") == day(7)


@pytest.mark.parametrize("count", [0, -1, 15, "2"])
def test_it_rejects_budgets_out_of_range(people, count):
    with pytest.raises(budget.BudgetError):
        budget.set_per_week(people[0], count)


def test_it_rejects_unknown_kinds(people):
    prog, ann, _ = people
    with pytest.raises(budget.UnknownEmailKind):
        budget.schedule_optional(ann, prog, "newsletter", day(0), "x:1")
