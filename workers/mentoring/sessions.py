"""Recurring sessions for a pair or a group: one calendar invitation, one RRULE each.

A pair's slot is chosen inside both people's availability (``slots``), written in the zone
that keeps it inside through daylight-saving changes, and sent to both as one series (one
UID) that each reads in their own time zone. A group's time is set by the coordinator. Every
later change raises SEQUENCE and DTSTAMP and goes to everyone again.
"""

from __future__ import annotations

import datetime as dt
import uuid

from models import (
    AuditEvent,
    MentoringGroup,
    MentorProfile,
    PairSettings,
    Session,
    SessionSeries,
    clock,
)
from workers import settings as settings_mod
from workers.mentoring import rules as rules_mod
from workers.mentoring.availability import check_zone
from workers.mentoring.errors import SessionError
from workers.mentoring.invitations import attendees, next_stamp, series_drafts
from workers.mentoring.occurrences import materialize, upcoming
from workers.mentoring.slots import WEEKS_PER, Person, expand_starts, find_slot, rule_for
from workers.outbound import outbox
from workers.outbound.outbox import queue_many
from workers.runtime import jobs

#: The first session is at least this far off, so both people have notice.
LEAD = dt.timedelta(days=2)


def rhythm_of(group: MentoringGroup) -> str:
    """Return the group's rhythm, else its programme's default."""
    if group.rhythm in WEEKS_PER:
        return group.rhythm
    row = PairSettings.get_or_none(PairSettings.programme == group.programme_id)
    return row.rhythm if row else "biweekly"


def sessions_count(weeks: int, rhythm: str) -> int:
    """Return how many sessions of ``rhythm`` fit in ``weeks`` weeks (at least one)."""
    per = {"biweekly": 2, "monthly": 4, "once": weeks or 1}[rhythm]
    return max(1, weeks // per)


def _earliest(programme) -> dt.datetime:
    """Return when the first session may start: after the lead time and the programme's start."""
    rules = rules_mod.rules_for(programme)
    start = dt.datetime.combine(rules_mod.span_for(programme, rules).start, dt.time())
    return max(clock.now() + LEAD, start).replace(second=0, microsecond=0)


def profile_person(person, programme_id: int) -> Person:
    """Return a person with their availability in a programme, for choosing times."""
    profile = MentorProfile.get_or_none(
        (MentorProfile.programme == programme_id) & (MentorProfile.person == person)
    )
    return Person(person.name, profile.availability if profile else "", person.timezone)


def schedule_pair(group_id: int) -> SessionSeries | None:
    """Schedule a pair's recurring sessions and invite both; None when they share no time.

    Safe to call twice: a pair with an active series keeps it.
    """
    group = MentoringGroup.get_by_id(group_id)
    existing = active_series(group)
    if existing is not None:
        return existing
    programme = group.programme
    people = [profile_person(a.person, programme.id) for a in attendees(group)]
    rules = rules_mod.rules_for(programme)
    rhythm = rhythm_of(group)
    count = sessions_count(rules.weeks, rhythm)
    slot = find_slot(people, rules.session_minutes, rhythm, count, _earliest(programme))
    if slot is None:
        AuditEvent.record("mentoring.no_slot", group, actor="tandem")
        return None
    names = " and ".join(p.name for p in people)
    notes = [{"start": s.isoformat(), "names": n} for s, n in sorted(slot.outside.items())]
    return create_series(group, f"Mentoring: {names}", slot.first, slot.minutes, slot.zone,
                         rhythm, slot.rrule, notes=notes)  # fmt: skip


def schedule_group(
    group_id: int,
    first: dt.datetime,
    minutes: int,
    zone: str,
    rhythm: str,
    count: int,
    kind: str = "group",
    location: str = "",
) -> SessionSeries:
    """Schedule a group's or panel's sessions at a time the coordinator chose (naive UTC)."""
    group = MentoringGroup.get_by_id(group_id)
    if active_series(group) is not None:
        raise SessionError("this group has its sessions already; cancel them first")
    if first <= clock.now():
        raise SessionError("the first session must be in the future")
    local = first.replace(tzinfo=dt.UTC).astimezone(check_zone(zone))
    rrule = rule_for(rhythm, local.replace(tzinfo=None), count)
    title = f"{group.programme.name}: {group.theme or 'group mentoring'}"
    return create_series(group, title, first, minutes, zone, rhythm, rrule, kind, location)


def create_series(
    group: MentoringGroup,
    title: str,
    first: dt.datetime,
    minutes: int,
    zone: str,
    rhythm: str,
    rrule: str,
    kind: str = "pair",
    location: str = "",
    notes: list | None = None,
) -> SessionSeries:
    """Store a series (its Session, rule and occurrences) and invite everyone, atomically."""
    if not expand_starts(zone, first, minutes, rrule):
        raise SessionError("that rule gives no session")
    with outbox.transaction():
        session = Session.create(
            programme=group.programme_id,
            title=title[:200],
            starts_at=first,
            ends_at=first + dt.timedelta(minutes=minutes),
            timezone=zone,
            location=location[:250],
            uid=f"{uuid.uuid4()}@{settings_mod.get().reply_domain}",
        )
        series = SessionSeries.create(
            programme=group.programme_id, group=group, session=session, kind=kind,
            rhythm=rhythm, rrule=rrule, notes=notes or [],
        )  # fmt: skip
        materialize(series)
        queue_many(series_drafts(series, "REQUEST"))
    return series


def active_series(group: MentoringGroup) -> SessionSeries | None:
    """Return the group's active series, if it has one."""
    return (
        SessionSeries.select()
        .where(
            (SessionSeries.group == group)
            & (SessionSeries.status == "active")
            & (SessionSeries.kind != "adhoc")
        )
        .order_by(SessionSeries.id.desc())
        .first()
    )


def resend_series(series_id: int) -> SessionSeries:
    """Send the series again as an update (new SEQUENCE and DTSTAMP), e.g. to new members."""
    with outbox.transaction():
        series = _bumped(series_id)
        queue_many(series_drafts(series, "REQUEST", {"updated": True}))
    return series


def cancel_series(series_id: int, by: str) -> SessionSeries:
    """Cancel the whole series: a CANCEL of its UID to everyone, and no more feedback jobs."""
    with outbox.transaction():
        series = _bumped(series_id)
        if series.status != "active":
            raise SessionError("the series is cancelled already")
        SessionSeries.update(status="cancelled").where(SessionSeries.id == series.id).execute()
        Session.update(status="cancelled").where(Session.id == series.session_id).execute()
        for occurrence in upcoming(series):
            jobs.cancel(f"mentoring-occurrence:{occurrence.id}:")
        queue_many(series_drafts(series, "CANCEL"))
        AuditEvent.record("mentoring.series_cancelled", series, actor=by)
    return series


def _bumped(series_id: int) -> SessionSeries:
    series = SessionSeries.get_by_id(series_id)
    session = series.session
    session.sequence += 1
    Session.update(sequence=session.sequence).where(Session.id == session.id).execute()
    series.stamp = next_stamp(series)
    SessionSeries.update(stamp=series.stamp).where(SessionSeries.id == series.id).execute()
    return series
