"""A simulated cohort with known drop-outs, for measuring the at-risk rules.

Four kinds of participant, each day of a 12-week programme:

- steady: engaged throughout, with everyday noise;
- noisy: fine, but irregular: quiet weeks, late work, ratings all over the place;
- slow: disengaging over two to five weeks before dropping out (fewer replies, later and
  missing work, falling ratings, stalled goals, missed sessions);
- abrupt: engaged until one day, then nothing (some of their mail bounces from then on).

The programme sets a weekly assignment (due Friday), a session every other Wednesday with
an invitation, ratings after sessions, a self-assessment every three weeks and a goal
check-in every other week. Everything goes in through ``workers.tracking.events``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from models import Assignee, Assignment, Goal, Membership, Person, Programme, db
from workers.tracking.events import record_many, record_submission

#: The programme's first day (a Monday) and its length.
START = dt.datetime(2026, 9, 7, 9, 0)
WEEKS = 12

#: Share of the cohort of each kind, in order.
MIX = {"steady": 0.5, "noisy": 0.26, "slow": 0.12, "abrupt": 0.12}


@dataclass
class Member:
    """A simulated participant: their kind, engagement and, for drop-outs, the day they stop."""

    person_id: int
    kind: str
    base: float
    stop: float | None = None  # days from START when they drop out
    fade: float | None = None  # days from START when a slow one starts fading

    def engagement(self, day: float, rng: random.Random) -> float:
        """Return how likely they are to do something on ``day`` (0 once dropped out)."""
        if self.stop is not None and day >= self.stop:
            return 0.0
        if self.kind == "slow" and day > self.fade:
            return self.base * (self.stop - day) / (self.stop - self.fade)
        if self.kind == "noisy":
            week = int(day // 7)
            return self.base * (0.15 if (self.person_id * 7 + week) % 5 == 0 else 1.0)
        return self.base

    def rating(self, day: float, centre: float, rng: random.Random) -> float:
        """Return a 1-5 rating: noisy for noisy people, sliding for fading ones."""
        spread = {"steady": 0.5, "noisy": 1.1, "slow": 0.5, "abrupt": 0.5}[self.kind]
        if self.kind == "slow" and day > self.fade:
            centre -= 2.2 * (day - self.fade) / (self.stop - self.fade)
        return float(min(5, max(1, round(rng.gauss(centre, spread)))))


def make_cohort(n: int, seed: int) -> tuple[int, list[Member]]:
    """Create the programme, its people and their whole 12 weeks; return (id, members)."""
    rng = random.Random(seed)
    with db.atomic():
        programme = Programme.create(name=f"Simulated cohort {seed}", created_at=START)
        members = [_member(programme.id, i, rng) for i in range(n)]
        rows, goals = [], {m.person_id: _goals(programme.id, m) for m in members}
        for member in members:
            rows += _sessions(programme.id, member, rng)
            rows += _everyday(programme.id, member, rng)
            rows += _checkins(programme.id, member, goals[member.person_id], rng)
        record_many(rows)
        _assignments(programme, members, rng)
    return programme.id, members


def _member(programme_id: int, i: int, rng: random.Random) -> Member:
    person = Person.create(name=f"Participant {i}", email=f"sim{i}@example.org", created_at=START)
    Membership.create(programme=programme_id, person=person, role="mentee", created_at=START)
    kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
    base = rng.uniform(0.8, 1.0) if kind != "noisy" else rng.uniform(0.6, 0.9)
    member = Member(person.id, kind, base)
    if kind in ("slow", "abrupt"):
        member.stop = rng.uniform(3 * 7, 10 * 7)
        member.fade = max(2.0, member.stop - rng.uniform(14, 35))
    return member


def _event(programme_id: int, member: Member, kind: str, day: float, value=None, ref="") -> dict:
    at = START + dt.timedelta(days=day)
    return {
        "programme": programme_id,
        "person": member.person_id,
        "kind": kind,
        "at": at,
        "value": value,
        "ref": ref,
    }


def _sessions(programme_id: int, member: Member, rng: random.Random) -> list[dict]:
    """Invitation answers, attendance and the ratings after each fortnightly session."""
    rows = []
    for n in range(WEEKS // 2):
        day = 14 * n + 2.3
        ref = f"session:{n}"
        comes = rng.random() < 0.15 + 0.85 * member.engagement(day, rng)
        if member.engagement(day - 3, rng) > 0 and rng.random() < 0.9:
            answer = "rsvp_accept" if comes else "rsvp_decline"
            rows.append(_event(programme_id, member, answer, day - 3, ref=ref))
        elif day > 3:
            rows.append(_event(programme_id, member, "invitation_unanswered", day, ref=ref))
        rows.append(
            _event(programme_id, member, "attendance" if comes else "absence", day, ref=ref)
        )
        if comes and rng.random() < 0.8:
            rows.append(
                _event(programme_id, member, "satisfaction", day + 1, member.rating(day, 4.1, rng))
            )
        if comes:
            rows.append(
                _event(programme_id, member, "mentor_rating", day + 1, member.rating(day, 3.9, rng))
            )
    for n in range(WEEKS // 3):
        day = 21 * n + 18 + rng.uniform(0, 3)
        if rng.random() < member.engagement(day, rng):
            value = member.rating(day, 3.2 + 0.1 * n, rng)
            rows.append(_event(programme_id, member, "self_assessment", day, value))
    return rows


def _everyday(programme_id: int, member: Member, rng: random.Random) -> list[dict]:
    """Replies, relayed messages and materials, day by day."""
    rows = []
    for day in range(7 * WEEKS):
        p = member.engagement(day, rng)
        for kind, rate in (("reply", 0.3), ("relay", 0.08), ("material_done", 0.07)):
            if rng.random() < p * rate:
                rows.append(_event(programme_id, member, kind, day + rng.uniform(0.3, 0.6)))
    if member.kind == "abrupt" and rng.random() < 0.3:
        rows.append(_event(programme_id, member, "bounce", member.stop + 2))
    return rows


def _goals(programme_id: int, member: Member) -> list[int]:
    return [
        Goal.create(
            programme=programme_id, person=member.person_id, text=f"Goal {g + 1}", created_at=START
        ).id
        for g in range(2)
    ]


def _checkins(programme_id, member: Member, goal_ids: list[int], rng) -> list[dict]:
    """A check-in on each goal every other Friday, while they still take part."""
    rows = []
    for goal_id in goal_ids:
        progress = 0
        for n in range(WEEKS // 2):
            day = 14 * n + 4.4
            p = member.engagement(day, rng)
            if p == 0 or rng.random() > 0.3 + 0.7 * p:
                continue
            step = {"steady": (5, 15), "noisy": (0, 20)}.get(member.kind, (0, 12))
            progress = min(100, progress + round(rng.uniform(*step) * min(1.0, p / 0.7)))
            rows.append(
                _event(programme_id, member, "goal_checkin", day, progress, f"goal:{goal_id}")
            )
        Goal.update(progress=progress).where(Goal.id == goal_id).execute()
    return rows


def _assignments(programme: Programme, members: list[Member], rng: random.Random) -> None:
    """A weekly assignment due Friday at five, submitted on time, late or not at all."""
    for week in range(WEEKS):
        due = START + dt.timedelta(days=7 * week + 4, hours=8)
        assignment = Assignment.create(programme=programme, title=f"Week {week + 1}", due_at=due)
        Assignee.set_for(assignment, [m.person_id for m in members])
        for member in members:
            day = 7 * week + 4
            p = member.engagement(day, rng)
            if rng.random() > 0.1 + 0.9 * p:
                continue
            late = rng.random() < {"noisy": 0.35, "slow": 0.5}.get(member.kind, 0.08)
            delay = rng.uniform(0.2, 6) if late else -rng.uniform(0, 3)
            if member.stop is not None and day + delay >= member.stop:
                continue
            record_submission(assignment, member.person_id, due + dt.timedelta(days=delay))
