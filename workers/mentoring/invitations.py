"""The calendar invitations of a mentoring series: the whole series, one moved occurrence,
one cancelled occurrence, each written for one attendee in their own time zone.

Every attendee of a series gets the same event: one UID, the series' TZID, its RRULE and
EXDATEs, SEQUENCE and DTSTAMP from the last change. Unless the programme hides addresses,
the event lists the other attendees beside the recipient.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from models import (
    GroupMember,
    GroupMentor,
    MentoringGroup,
    Occurrence,
    PairSettings,
    Person,
    SessionSeries,
    clock,
)
from workers import settings as settings_mod
from workers.followup.common import ORGANIZER_VALID, organizer_address
from workers.mentoring.slots import local_rows
from workers.outbound.invites import SessionInfo, build, describe_time
from workers.outbound.outbox import Draft
from workers.outbound.tokens import make_reply_address

#: How the emails name each rhythm.
RHYTHM_TEXT = {"biweekly": "every other week", "monthly": "once a month", "once": "once"}


@dataclass(frozen=True)
class Attendee:
    """A person of a series and the part they take in it."""

    person: Person
    role: str  # mentor, mentee


def attendees(group: MentoringGroup) -> list[Attendee]:
    """Return the group's mentors (the lead first) and its mentees, each once."""
    found = [Attendee(group.mentor, "mentor")]
    extra = GroupMentor.select(GroupMentor, Person).join(Person).where(GroupMentor.group == group)
    found += [Attendee(row.person, "mentor") for row in extra.order_by(Person.name)]
    members = GroupMember.select(GroupMember, Person).join(Person).where(GroupMember.group == group)
    found += [Attendee(row.person, "mentee") for row in members.order_by(Person.name)]
    seen: set[int] = set()
    return [a for a in found if not (a.person.id in seen or seen.add(a.person.id))]


def relay_address(person: Person, group: MentoringGroup) -> str:
    """Return ``person``'s address for writing to the rest of ``group`` through Tandem."""
    settings = settings_mod.get()
    days = ORGANIZER_VALID.days
    return make_reply_address(
        settings.secret_key, settings.reply_domain, person.id, "relay", group.id, days
    )


def hides_addresses(programme_id: int) -> bool:
    """Tell whether the programme keeps people's addresses from each other."""
    row = PairSettings.get_or_none(PairSettings.programme == programme_id)
    return bool(row and row.hide_addresses)


def series_info(series: SessionSeries, starts: list[dt.datetime] | None = None) -> SessionInfo:
    """Return the whole series as an invitation describes it (cancelled dates as EXDATE)."""
    session = series.session
    skipped = Occurrence.select(Occurrence.recurrence_id).where(
        (Occurrence.series == series) & (Occurrence.status == "cancelled")
    )
    last = Occurrence.select(Occurrence.ends_at).where(Occurrence.series == series)
    until = max([o.ends_at for o in last] or [session.ends_at])
    return SessionInfo(
        uid=session.uid,
        sequence=session.sequence,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        timezone=session.timezone,
        location=session.location,
        description=f"{series.programme.name}: mentoring, {RHYTHM_TEXT[series.rhythm]}.",
        rrule=series.rrule,
        exdates=tuple(sorted(o.recurrence_id for o in skipped)),
        until=until,
    )


def next_stamp(series: SessionSeries) -> dt.datetime:
    """Return the DTSTAMP of the series' next version: now, and always past the last one
    (Google ignores an update whose DTSTAMP did not change)."""
    last = series.stamp.replace(microsecond=0)
    return max(clock.now().replace(microsecond=0), last + dt.timedelta(seconds=1))


def outside_of(series: SessionSeries) -> dict[dt.datetime, list[str]]:
    """Return the occurrences that leave someone's availability (start -> names)."""
    notes = series.notes or []
    return {dt.datetime.fromisoformat(n["start"]): list(n["names"]) for n in notes}


def occurrence_info(occurrence: Occurrence) -> SessionInfo:
    """Return one occurrence as its own invitation (RECURRENCE-ID, its own times)."""
    base = series_info(occurrence.series)
    return replace(
        base,
        sequence=max(base.sequence, occurrence.sequence),
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        rrule="",
        exdates=(),
        until=None,
        recurrence_id=occurrence.recurrence_id,
    )


def calendar_for(
    series: SessionSeries, info: SessionInfo, method: str, reader: Person, people: list[Attendee]
) -> str:
    """Return the iCalendar text of ``info`` for ``reader``, with the others unless hidden."""
    others = ()
    if not hides_addresses(series.programme_id):
        others = tuple((a.person.email, a.person.name) for a in people if a.person != reader)
    return build(
        info,
        method=method,
        organizer=organizer_address(reader.id, series.session),
        organizer_name="Tandem",
        attendee=reader.email,
        attendee_name=reader.name,
        stamp=series.stamp.replace(microsecond=0),
        others=others,
    )


def base_ctx(series: SessionSeries, me: Attendee, people: list[Attendee]) -> dict:
    """Return what every series email says: programme, title, the others, the rhythm."""
    others = [a for a in people if a.person != me.person]
    return {
        "programme": series.programme.name,
        "title": series.session.title,
        "kind": series.kind,
        "role": me.role,
        "others": [{"name": a.person.name, "role": a.role} for a in others],
        "rhythm": RHYTHM_TEXT[series.rhythm],
        "location": series.session.location,
        "timezone": me.person.timezone,
        "relay": relay_address(me.person, series.group),
    }


def series_drafts(series: SessionSeries, method: str, extra: dict | None = None) -> list[Draft]:
    """Return the series' invitation (REQUEST) or cancellation (CANCEL) for each attendee."""
    people = attendees(series.group)
    info = series_info(series)
    rows = (
        Occurrence.select()
        .where((Occurrence.series == series) & (Occurrence.status != "cancelled"))
        .order_by(Occurrence.starts_at)
    )
    starts = [o.starts_at for o in rows]
    minutes = int((info.ends_at - info.starts_at).total_seconds() // 60)
    drafts = []
    for me in people:
        reader = me.person
        if not reader.can_receive_email:
            continue
        ctx = base_ctx(series, me, people) | (extra or {})
        ctx["sessions"] = local_rows(starts, minutes, reader.timezone, outside_of(series))
        ctx["shifted"] = any(row["shifted"] for row in ctx["sessions"])
        ctx["outside"] = any(row["outside"] for row in ctx["sessions"])
        ctx["cancelled"] = method == "CANCEL"
        ics = calendar_for(series, info, method, reader, people)
        key = f"series:{series.id}:{method.lower()}:{reader.id}:seq{info.sequence}"
        drafts.append(
            Draft("mentoring-series", reader, ctx, key, ("pair", series.group_id), ics, method)
        )
    return drafts


def occurrence_drafts(occurrence: Occurrence, method: str, why: str = "") -> list[Draft]:
    """Return one occurrence's cancellation, or its move to new times, for each attendee."""
    series = occurrence.series
    people = attendees(series.group)
    info = occurrence_info(occurrence)
    drafts = []
    for me in people:
        reader = me.person
        if not reader.can_receive_email:
            continue
        ctx = base_ctx(series, me, people) | {
            "when": describe_time(info.starts_at, info.ends_at, reader.timezone),
            "was": describe_time(
                occurrence.recurrence_id,
                occurrence.recurrence_id + (info.ends_at - info.starts_at),
                reader.timezone,
            ),
            "cancelled": method == "CANCEL",
            "why": why,
        }
        ics = calendar_for(series, info, method, reader, people)
        key = f"occurrence:{occurrence.id}:{method.lower()}:{reader.id}:seq{info.sequence}"
        about = ("pair", series.group_id)
        drafts.append(Draft("mentoring-occurrence", reader, ctx, key, about, ics, method))
    return drafts
