"""At-risk rules on small hand-checked programmes, each on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from peewee import IntegrityError

from models import Goal, Person, RiskFlag, RiskRule
from models.risk import DEFAULT_THRESHOLDS
from tests.tracking.builders import T0, assignment, day, events, participant, programme
from workers.tracking import atrisk
from workers.tracking.atrisk_signals import (
    Context,
    bounces,
    invitations,
    missed_sessions,
    overdue,
    silence,
)
from workers.tracking.atrisk_trends import engagement, ratings, stalled_goals
from workers.tracking.errors import UnknownOutcome
from workers.tracking.events import record_submission
from workers.tracking.scope import Scope, participants


def signals(rule, prog, now, **thresholds) -> dict:
    """Run one signal query; return {person id: signal}."""
    ctx = Context(prog.id, now, {**DEFAULT_THRESHOLDS, **thresholds}, participants(Scope(prog.id)))
    return dict(rule(ctx))


def test_it_reports_silence_with_the_last_date(db):
    prog = programme()
    quiet, new, busy = (participant(prog, n) for n in ("Quiet", "New", "Busy"))
    events(prog, quiet, "reply", [2])
    events(prog, busy, "reply", [2, 17])
    events(prog, quiet, "reply", [31])  # after "now": not known yet

    found = signals(silence, prog, day(18))

    assert set(found) == {quiet.id, new.id}
    assert found[quiet.id].words == "no reply for 16 days (last on 2026-11-04)"
    assert found[quiet.id].data == {"days": 16, "last": "2026-11-04", "joined": "2026-11-02"}
    assert found[new.id].words == "nothing heard since joining on 2026-11-02 (18 days)"
    assert not found[quiet.id].strong
    assert signals(silence, prog, day(30, hour=10))[quiet.id].strong  # 28 days


def test_it_counts_overdue_work_in_the_window(db):
    prog = programme()
    late, done, old = (participant(prog, n) for n in ("Late", "Done", "Old"))
    people = [late, done, old]
    ancient = assignment(prog, "Intro quiz", day(1), people)  # before the 28-day window
    first = assignment(prog, "Case study", day(10), people)
    second = assignment(prog, "Action plan", day(24), people)
    assignment(prog, "Reflection", day(31), people)  # due within the grace day
    for work in (first, second):
        record_submission(work, done.id, work.due_at)
    record_submission(first, old.id, day(9))
    record_submission(second, old.id, day(23))
    record_submission(first, late.id, day(40))  # after "now": still overdue then
    record_submission(ancient, done.id, day(1))

    found = signals(overdue, prog, day(31, hour=20))

    assert set(found) == {late.id}
    assert found[late.id].data == {"count": 2, "oldest_due": "2026-11-12"}
    assert found[late.id].words == "2 assignments overdue in the last 28 days"


def test_it_counts_declined_and_unanswered_invitations(db):
    prog = programme()
    shy, keen = participant(prog, "Shy"), participant(prog, "Keen")
    events(prog, shy, "rsvp_decline", [1])  # outside the 28 days
    events(prog, shy, "rsvp_decline", [10])
    events(prog, shy, "invitation_unanswered", [24])
    events(prog, keen, "rsvp_decline", [24])

    found = signals(invitations, prog, day(30))

    assert set(found) == {shy.id}
    assert found[shy.id].data == {"count": 2, "declined": 1, "unanswered": 1}
    assert found[shy.id].words == (
        "2 invitations declined or unanswered in the last 28 days (1 declined, 1 unanswered)"
    )


def test_it_counts_missed_sessions(db):
    prog = programme()
    away, there = participant(prog, "Away"), participant(prog, "There")
    events(prog, away, "absence", [10, 17])
    events(prog, away, "attendance", [24])
    events(prog, there, "absence", [24])
    events(prog, there, "attendance", [10, 17])

    found = signals(missed_sessions, prog, day(30))

    assert set(found) == {away.id}
    assert found[away.id].words == "missed 2 of 3 sessions in the last 28 days (last on 2026-11-19)"
    assert not found[away.id].strong
    events(prog, away, "absence", [29])
    assert signals(missed_sessions, prog, day(30))[away.id].strong


def test_it_reads_falling_and_low_ratings(db):
    prog = programme()
    falling, low, fine = (participant(prog, n) for n in ("Falling", "Low", "Fine"))
    events(prog, falling, "satisfaction", [1], 4)
    events(prog, falling, "satisfaction", [5], 5)
    events(prog, falling, "satisfaction", [8, 12, 15], 2)
    events(prog, low, "mentor_rating", [3, 10, 17], 2)
    events(prog, fine, "satisfaction", [1, 5, 8, 12], 4)
    events(prog, fine, "satisfaction", [15], 3)

    found = signals(ratings, prog, day(20))

    # Falling: the last three (2, 2, 2) against the two before (4, 5).
    assert set(found) == {falling.id, low.id}
    assert found[falling.id].name == "satisfaction_falling"
    assert found[falling.id].words == (
        "satisfaction falling: 2.0 in the last 3 against 4.5 before (latest 2026-11-17)"
    )
    assert found[falling.id].strong  # falling and low
    assert found[low.id].name == "mentor_rating_low"
    assert found[low.id].words == "mentor's rating low: 2.0 in the last 3 (latest 2026-11-19)"
    assert not found[low.id].strong


def test_it_notices_engagement_falling_against_their_own_weeks(db):
    prog = programme()
    fading, steady, rare = (participant(prog, n) for n in ("Fading", "Steady", "Rare"))
    for week in range(3):  # weeks 1-3: five replies a week
        events(prog, fading, "reply", [7 * week + d for d in range(5)])
        events(prog, steady, "reply", [7 * week + d for d in range(5)])
    events(prog, fading, "reply", [22])  # weeks 4-6: one reply in all
    for week in range(3, 6):
        events(prog, steady, "reply", [7 * week + d for d in range(4)])
    events(prog, rare, "reply", [1, 30])  # never more than one a week

    found = signals(engagement, prog, day(42))

    assert set(found) == {fading.id}
    assert found[fading.id].data == {"recent": 0.33, "usual": 5.0, "weeks": 3}
    assert found[fading.id].words == (
        "engagement fell to 0.3 a week in the last 3 weeks, from 5.0 before"
    )


def test_it_finds_goals_whose_progress_stopped_rising(db):
    prog = programme()
    stuck, moving = participant(prog, "Stuck"), participant(prog, "Moving")
    goal = Goal.create(
        programme=prog, person=stuck, text="Chair a meeting", progress=20, created_at=T0
    )
    done = Goal.create(programme=prog, person=stuck, text="Done", progress=100, status="achieved")
    untouched = Goal.create(programme=prog, person=moving, text="Coach", created_at=T0)
    events(prog, stuck, "goal_checkin", [1], 10, f"goal:{goal.id}")
    events(prog, stuck, "goal_checkin", [8], 20, f"goal:{goal.id}")
    events(prog, stuck, "goal_checkin", [20, 30], 20, f"goal:{goal.id}")  # no rise
    events(prog, moving, "goal_checkin", [3, 25], 30, f"goal:{untouched.id}")
    events(prog, moving, "goal_checkin", [35], 40, f"goal:{untouched.id}")
    assert done.id

    found = signals(stalled_goals, prog, day(40))
    assert set(found) == {stuck.id}
    assert found[stuck.id].data == {"count": 1, "since": "2026-11-10", "days": 32}

    flags = {f.person_id: f for f in atrisk.evaluate(prog.id, day(40))}
    assert flags == {}  # a stalled goal alone weighs 1 of the 3 a flag needs
    RiskRule.create(programme=prog, thresholds={"flag_score": 1})
    stalled = atrisk.evaluate(prog.id, day(40))[0].signals
    assert [s.words for s in stalled if s.name == "stalled_goal"] == [
        '1 goal stalled: "Chair a meeting" at 20% since 2026-11-10'
    ]


def test_it_flags_bounces_and_hard_bounces_alone(db):
    prog = programme()
    soft, hard = participant(prog, "Soft"), participant(prog, "Hard")
    events(prog, soft, "bounce", [10])
    events(prog, soft, "reply", [19])
    Person.update(bounce_state="hard").where(Person.id == hard.id).execute()

    found = signals(bounces, prog, day(20))

    assert found[soft.id].words == "1 email bounced"
    assert not found[soft.id].strong
    assert found[hard.id].strong
    assert [f.person_id for f in atrisk.evaluate(prog.id, day(20))] == [hard.id]


def test_it_flags_when_the_areas_weigh_enough(db):
    # Given: silence and overdue work (2 + 1), overdue work and a missed session area (1 + 1)
    prog = programme()
    gone, busy = participant(prog, "Gone"), participant(prog, "Busy")
    work = [assignment(prog, f"Task {n}", day(7 * n), [gone, busy]) for n in (1, 2)]
    events(prog, gone, "reply", [1])
    events(prog, busy, "reply", [1, 5, 9, 13, 16, 19])
    events(prog, busy, "absence", [10, 17])

    # When
    flags = atrisk.evaluate(prog.id, day(20))

    # Then
    assert [f.person_id for f in flags] == [gone.id]
    assert flags[0].score == 3.0
    assert [r["signal"] for r in flags[0].reasons] == ["silence", "overdue"]
    assert flags[0].reasons[1]["words"] == (
        "2 assignments overdue: Task 1 (due 2026-11-09), Task 2 (due 2026-11-16)"
    )
    RiskRule.create(programme=prog, thresholds={"flag_score": 2})
    assert {f.person_id for f in atrisk.evaluate(prog.id, day(20))} == {gone.id, busy.id}
    assert work


def test_flags_are_raised_kept_and_cleared_with_their_reasons(db):
    prog = programme()
    gone = participant(prog, "Gone")
    work = [assignment(prog, f"Task {n}", day(7 * n), [gone]) for n in (1, 2)]
    events(prog, gone, "reply", [1])

    raised = atrisk.refresh_flags(prog.id, day(20))
    assert [f.person_id for f in raised] == [gone.id]
    assert atrisk.refresh_flags(prog.id, day(21)) == []  # still open, not raised again
    kept = RiskFlag.get(RiskFlag.person == gone.id)
    assert kept.raised_at == day(20)
    assert kept.reasons[0]["words"] == "no reply for 20 days (last on 2026-11-03)"

    # When the reasons go away, the flag clears.
    for task in work:
        record_submission(task, gone.id, day(21, hour=10))
    assert atrisk.refresh_flags(prog.id, day(22)) == []
    assert RiskFlag.get_by_id(kept.id).cleared_at == day(22)

    # A new silence raises a new flag; the old one stays as history.
    assert [f.person_id for f in atrisk.refresh_flags(prog.id, day(50))] == [gone.id]
    assert RiskFlag.select().where(RiskFlag.person == gone.id).count() == 2


def test_an_intervention_is_claimed_once_and_its_outcome_kept(db):
    prog = programme()
    gone = participant(prog, "Gone")
    coach = Person.create(name="Coach", email="coach@example.org")
    events(prog, gone, "reply", [1])
    [flag] = atrisk.refresh_flags(prog.id, day(40))

    assert atrisk.claim_intervention(flag.id, coach.id, day(40))
    assert not atrisk.claim_intervention(flag.id, coach.id, day(41))
    atrisk.record_outcome(flag.id, "re-engaged", "Called; back next week")
    kept = RiskFlag.get_by_id(flag.id)
    assert (kept.intervention_by_id, kept.intervention_sent_at) == (coach.id, day(40))
    assert (kept.outcome, kept.outcome_note) == ("re-engaged", "Called; back next week")
    with pytest.raises(UnknownOutcome):
        atrisk.record_outcome(flag.id, "cured")


def test_a_participant_has_one_open_flag_at_most(db):
    prog = programme()
    gone = participant(prog, "Gone")
    RiskFlag.create(programme=prog, person=gone, reasons=[], raised_at=T0)
    with pytest.raises(IntegrityError), db.atomic():
        RiskFlag.create(programme=prog, person=gone, reasons=[], raised_at=T0)
    RiskFlag.update(cleared_at=day(1)).execute()
    RiskFlag.create(programme=prog, person=gone, reasons=[], raised_at=day(2))
