"""SMART goals: what a mentee aims at, how it is measured, the target and the date.

Check-ins come by reply ("Goal 1: 60%", or the value reached: "Goal 2: 3") or on the page;
each is kept, moves the goal's progress and counts as a goal_checkin event. Passing halfway
and reaching the target each send one recognition email with a PDF certificate.
"""

from __future__ import annotations

import datetime as dt

from models import (
    Goal,
    GoalCheckin,
    GoalTarget,
    MentoringGroup,
    Person,
    Programme,
    clock,
    db,
)
from workers.mentoring.certificates import Certificate, render_certificate
from workers.mentoring.errors import MentoringError
from workers.outbound import outbox
from workers.outbound.attachments import attach_once
from workers.tracking import events

#: Progress (percent) at which a goal is recognised, and what each milestone is called.
MILESTONES = ((50, "halfway"), (100, "reached"))

#: Longest goal text and measure kept.
MAX_TEXT, MAX_MEASURE = 500, 200


class GoalError(MentoringError):
    """A goal or a check-in cannot be taken as given."""


def add_goal(
    programme: Programme,
    person: Person,
    text: str,
    measure: str,
    target: float,
    due_date: dt.date | None,
    baseline: float = 0.0,
    unit: str = "",
) -> Goal:
    """Add a SMART goal: the goal, its measure, baseline and target, and the date."""
    text, measure = " ".join(text.split()), " ".join(measure.split())
    if not text or not measure:
        raise GoalError("a goal needs its text and how it is measured")
    if target == baseline:
        raise GoalError("the target must differ from where the goal starts")
    with db.atomic():
        goal = Goal.create(
            programme=programme,
            person=person,
            text=text[:MAX_TEXT],
            measure=measure[:MAX_MEASURE],
            due_date=due_date,
        )
        GoalTarget.create(goal=goal, baseline=baseline, target=target, unit=unit[:30])
    return goal


def goals_of(programme_id: int, person_id: int) -> list[Goal]:
    """Return a person's active goals in a programme, numbered by their order here."""
    return list(
        Goal.select()
        .where(
            (Goal.programme == programme_id)
            & (Goal.person == person_id)
            & (Goal.status != "dropped")
        )
        .order_by(Goal.id)
    )


def target_of(goal: Goal) -> GoalTarget:
    """Return the goal's target, a plain 0-100 percent one for goals set without it."""
    found = GoalTarget.get_or_none(GoalTarget.goal == goal)
    return found or GoalTarget(goal=goal, baseline=0.0, target=100.0, unit="%")


def percent_for(goal: Goal, value: float, is_percent: bool) -> int:
    """Return the progress a check-in means: a percentage as given, a value along the way."""
    if is_percent:
        return int(round(value))
    target = target_of(goal)
    share = (value - target.baseline) / (target.target - target.baseline)
    return int(round(max(0.0, min(1.0, share)) * 100))


def check_in(goal: Goal, value: float, is_percent: bool, by: Person | None, inbound=None) -> str:
    """Record one check-in on ``goal``; recognise any milestone it passes; return a summary."""
    percent = percent_for(goal, value, is_percent)
    before = goal.progress
    with outbox.transaction():
        GoalCheckin.create(
            goal=goal,
            value=None if is_percent else value,
            percent=percent,
            by=by,
            inbound=inbound,
        )
        status = "achieved" if percent >= 100 else "active"
        Goal.update(progress=percent, status=status).where(Goal.id == goal.id).execute()
        if not is_percent:
            GoalTarget.update(current=value).where(GoalTarget.goal == goal).execute()
        if percent >= 100:
            GoalTarget.update(achieved_at=clock.now()).where(GoalTarget.goal == goal).execute()
        events.record(goal.programme_id, goal.person_id, "goal_checkin", value=percent,
                      ref=f"goal:{goal.id}")  # fmt: skip
        for threshold, name in MILESTONES:
            if before < threshold <= percent:
                recognise(goal, name)
    goal.progress = percent
    return f"goal {goal.text[:60]!r}: {percent}%"


def recognise(goal: Goal, milestone: str) -> None:
    """Send the goal's owner a recognition email with a PDF certificate, once per milestone."""
    person = goal.person
    if not person.can_receive_email:
        return
    target = target_of(goal)
    measure = goal.measure
    if target.unit != "%":
        measure = f"{goal.measure}: {target.target:g} {target.unit}".strip()
    cert = Certificate(
        goal.programme.name, person.name, goal.text, milestone, measure, clock.now().date()
    )
    ctx = {
        "programme": goal.programme.name,
        "goal": goal.text,
        "milestone": milestone,
        "measure": measure,
        "mentors": mentors_of(goal),
        "attached_files": [f"certificate-{milestone}.pdf"],
    }
    row = outbox.queue_email(
        "mentoring-recognition",
        person,
        ctx,
        key=f"goal:{goal.id}:recognition:{milestone}",
    )
    name = f"certificate-{milestone}.pdf"
    attach_once(row, lambda: [(name, "application/pdf", render_certificate(cert))])


def mentors_of(goal: Goal) -> list[str]:
    """Return the names of the mentors of the goal's owner in its programme."""
    groups = MentoringGroup.select().where(
        (MentoringGroup.programme == goal.programme_id) & (MentoringGroup.status == "active")
    )
    return sorted(
        {g.mentor.name for g in groups if any(m.person_id == goal.person_id for m in g.members)}
    )


def goals_ctx(programme_id: int, person_id: int) -> list[dict]:
    """Return a person's goals, numbered, as plain values for emails and pages."""
    rows = []
    for number, goal in enumerate(goals_of(programme_id, person_id), 1):
        target = target_of(goal)
        rows.append(
            {
                "number": number,
                "id": goal.id,
                "text": goal.text,
                "measure": goal.measure,
                "target": f"{target.target:g} {target.unit}".strip(),
                "due": goal.due_date.isoformat() if goal.due_date else "",
                "progress": goal.progress,
                "status": goal.status,
            }
        )
    return rows
