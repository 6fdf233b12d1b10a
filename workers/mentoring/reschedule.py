"""Other times for a pair: when one session is declined or countered, or a session is asked
for ad hoc ("I need a session this week").

Tandem looks for up to three times inside everyone's availability that clash with none of
their sessions, and emails them to everyone, numbered; the first reply naming a number moves
the declined session there (a REQUEST for that occurrence alone) or sets up the extra one.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from models import MentoringGroup, Occurrence, Person, SessionSeries, SlotProposal, clock
from workers.mentoring import rules as rules_mod
from workers.mentoring.availability import Span, erode, expand, intersect, parse_windows
from workers.mentoring.errors import SessionError
from workers.mentoring.invitations import attendees
from workers.mentoring.occurrences import move_occurrence
from workers.mentoring.sessions import create_series, profile_person
from workers.outbound import outbox
from workers.outbound.invites import describe_time
from workers.outbound.outbox import Draft, queue_many

#: How many times a proposal offers.
OFFERED = 3

#: Offered times start on this grid of minutes.
GRID = 30

#: The soonest an offered time may start, from now.
NOTICE = dt.timedelta(hours=12)

#: Where times are looked for: around a declined session, or in the coming week.
AROUND = (dt.timedelta(days=-3), dt.timedelta(days=7))
AD_HOC = dt.timedelta(days=7)


def free_slots(
    group: MentoringGroup, minutes: int, start: dt.datetime, end: dt.datetime, n: int = OFFERED
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Return up to ``n`` times (naive UTC), one per day, where everyone in ``group`` is free
    and none of their sessions is held."""
    people = [profile_person(a.person, group.programme_id) for a in attendees(group)]
    days = (end.date() - start.date()).days + 2
    span = Span(start.date() - dt.timedelta(days=1), days // 7 + 1, "UTC")
    shared = None
    for person in people:
        free = expand(parse_windows(person.availability), person.zone, span)
        shared = free if shared is None else _as_array(intersect(shared, free))
    taken = _taken(group)
    found: list[tuple[dt.datetime, dt.datetime]] = []
    zone = ZoneInfo(people[0].zone) if people else dt.UTC
    days_used: set[dt.date] = set()
    for first, last in erode(shared, minutes) if shared is not None and len(shared) else []:
        begin = max(int(first), _minutes(start))
        for minute in range(begin + (-begin % GRID), min(int(last), _minutes(end)), GRID):
            when = _at(minute)
            day = when.replace(tzinfo=dt.UTC).astimezone(zone).date()
            slot = (when, when + dt.timedelta(minutes=minutes))
            if day in days_used or any(s < slot[1] and slot[0] < e for s, e in taken):
                continue
            days_used.add(day)
            found.append(slot)
            if len(found) == n:
                return found
    return found


def _as_array(rows: list[tuple[int, int]]) -> np.ndarray:
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def _minutes(naive_utc: dt.datetime) -> int:
    return int(naive_utc.replace(tzinfo=dt.UTC).timestamp()) // 60


def _at(minutes: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(minutes * 60, dt.UTC).replace(tzinfo=None)


def _taken(group: MentoringGroup) -> list[tuple[dt.datetime, dt.datetime]]:
    """Return the times of the group's sessions still scheduled."""
    rows = (
        Occurrence.select(Occurrence.starts_at, Occurrence.ends_at)
        .join(SessionSeries)
        .where((SessionSeries.group == group) & (Occurrence.status == "scheduled"))
    )
    return [(o.starts_at, o.ends_at) for o in rows]


def propose(
    group: MentoringGroup,
    reason: str,
    asked_by: Person | None,
    occurrence: Occurrence | None = None,
    first: dt.datetime | None = None,
) -> SlotProposal:
    """Offer other times to everyone in the group (a countered time first); return the offer."""
    minutes = rules_mod.rules_for(group.programme).session_minutes
    if occurrence is not None:
        minutes = int((occurrence.ends_at - occurrence.starts_at).total_seconds() // 60)
        base = max(occurrence.starts_at + AROUND[0], clock.now() + NOTICE)
        window = (base, occurrence.starts_at + AROUND[1])
    else:
        window = (clock.now() + NOTICE, clock.now() + AD_HOC)
    slots = free_slots(group, minutes, *window)
    if first is not None and first > clock.now():
        slots = [(first, first + dt.timedelta(minutes=minutes))] + slots[: OFFERED - 1]
    with outbox.transaction():
        SlotProposal.update(status="closed").where(
            (SlotProposal.group == group) & (SlotProposal.status == "open")
        ).execute()
        proposal = SlotProposal.create(
            group=group,
            occurrence=occurrence,
            reason=reason,
            asked_by=asked_by,
            slots=[[s.isoformat(), e.isoformat()] for s, e in slots],
        )
        queue_many(_drafts(proposal, slots))
    return proposal


def _drafts(proposal: SlotProposal, slots: list) -> list[Draft]:
    group = proposal.group
    occurrence = proposal.occurrence
    drafts = []
    for me in attendees(group):
        reader = me.person
        if not reader.can_receive_email:
            continue
        zone = reader.timezone
        ctx = {
            "programme": group.programme.name,
            "reason": proposal.reason,
            "asked_by": proposal.asked_by.name if proposal.asked_by_id else "",
            "declined": describe_time(occurrence.starts_at, occurrence.ends_at, zone)
            if occurrence
            else "",
            "options": [
                {"number": n, "when": describe_time(s, e, zone)}
                for n, (s, e) in enumerate(slots, 1)
            ],
        }
        key = f"slots:{proposal.id}:{reader.id}"
        drafts.append(Draft("mentoring-slots", reader, ctx, key, ("pair", group.id)))
    return drafts


def open_proposal(group: MentoringGroup) -> SlotProposal | None:
    """Return the group's offer of times still waiting for a choice."""
    return (
        SlotProposal.select()
        .where((SlotProposal.group == group) & (SlotProposal.status == "open"))
        .order_by(SlotProposal.id.desc())
        .first()
    )


def choose(proposal_id: int, number: int, by: Person) -> str:
    """Take time ``number`` of an offer: move the declined session, or set up the extra one."""
    proposal = SlotProposal.get_by_id(proposal_id)
    if proposal.status != "open":
        raise SessionError("those times were settled already")
    if not 1 <= number <= len(proposal.slots):
        raise SessionError(f"choose a number from 1 to {len(proposal.slots)}")
    start, end = (dt.datetime.fromisoformat(t) for t in proposal.slots[number - 1])
    with outbox.transaction():
        taken = (
            SlotProposal.update(status="chosen", chosen=number)
            .where((SlotProposal.id == proposal.id) & (SlotProposal.status == "open"))
            .execute()
        )
        if not taken:
            raise SessionError("those times were settled already")
        group = proposal.group
        if proposal.occurrence_id is not None:
            move_occurrence(proposal.occurrence_id, start, f"{by.name} chose this time.")
            return f"session moved to {start:%Y-%m-%d %H:%M} UTC"
        minutes = int((end - start).total_seconds() // 60)
        title = f"Extra mentoring session, asked by {proposal.asked_by.name}"
        zone = group.mentor.timezone
        create_series(group, title, start, minutes, zone, "once", "", kind="adhoc")
    return f"extra session set for {start:%Y-%m-%d %H:%M} UTC"
