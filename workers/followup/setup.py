"""Create, clone, reschedule and cancel follow-up cycles."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from models import AuditEvent, Cycle, Metric, Participant, Person, Programme, Session
from workers import settings as settings_mod
from workers.followup import schedule
from workers.followup.common import CycleStateError, session_of
from workers.followup.reminders import CHASING_STATES, send_moved_requests
from workers.followup.trigger import resend_invites
from workers.outbound import outbox
from workers.workspace.programmes import programme_timing


@dataclass
class StakeholderSpec:
    """A stakeholder of a new cycle: a known person, or a name and address to add."""

    department: str = ""
    person_id: int | None = None
    name: str = ""
    email: str = ""
    timezone: str = ""
    role: str = "stakeholder"


@dataclass
class MetricSpec:
    """A metric the cycle tracks (created or updated on the programme)."""

    name: str
    unit: str = ""
    owner_id: int | None = None
    owner_email: str = ""  # resolved once the cycle's new people exist
    baseline: float | None = None
    target: float | None = None
    direction: str = "up"


@dataclass
class CycleSpec:
    """Everything a coordinator enters to set up a cycle (times naive UTC)."""

    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    objectives: str = ""
    location: str = ""
    reply_deadline: dt.datetime | None = None
    auto_trigger_at: dt.datetime | None = None
    stakeholders: list[StakeholderSpec] = field(default_factory=list)
    metrics: list[MetricSpec] = field(default_factory=list)


def deadline_before(programme: Programme | None = None) -> dt.timedelta:
    """Return the reply deadline's default distance before the session, the programme's own
    or REPLY_DEADLINE_HOURS."""
    if programme is None:
        return dt.timedelta(hours=settings_mod.get().reply_deadline_hours)
    return dt.timedelta(hours=programme_timing(programme).reply_deadline_hours)


def new_uid() -> str:
    """Return a fresh, globally unique calendar UID."""
    return f"{uuid.uuid4()}@{settings_mod.get().reply_domain}"


def _person(spec: StakeholderSpec, default_tz: str) -> Person:
    if spec.person_id is not None:
        return Person.get_by_id(spec.person_id)
    email = spec.email.strip().lower()
    person = Person.by_email(email)
    if person is None:
        person = Person.create(
            name=spec.name.strip() or email, email=email, timezone=spec.timezone or default_tz
        )
    return person


def _save_metric(programme: Programme, spec: MetricSpec) -> Metric:
    metric = Metric.get_or_none((Metric.programme == programme) & (Metric.name == spec.name))
    owner = spec.owner_id
    if owner is None and spec.owner_email:
        person = Person.by_email(spec.owner_email)
        owner = person.id if person else None
    values = {
        "unit": spec.unit,
        "owner": owner,
        "baseline": spec.baseline,
        "target": spec.target,
        "direction": spec.direction,
    }
    if metric is None:
        return Metric.create(programme=programme, name=spec.name, **values)
    Metric.update(**values).where(Metric.id == metric.id).execute()
    return metric


def create_cycle(programme: Programme, spec: CycleSpec, previous: Cycle | None = None) -> Cycle:
    """Create a draft cycle with its session, stakeholders and metrics."""
    with outbox.transaction():
        cycle = Cycle.create(
            programme=programme,
            title=spec.title.strip(),
            objectives=spec.objectives.strip(),
            previous=previous,
            reply_deadline=spec.reply_deadline or spec.starts_at - deadline_before(programme),
            auto_trigger_at=spec.auto_trigger_at,
        )
        Session.create(
            programme=programme,
            cycle=cycle,
            title=spec.title.strip(),
            starts_at=spec.starts_at,
            ends_at=spec.ends_at,
            timezone=spec.timezone,
            location=spec.location.strip(),
            uid=new_uid(),
        )
        seen: set[int] = set()
        rows = []
        for stake in spec.stakeholders:
            person = _person(stake, programme.timezone)
            if person.id not in seen:
                seen.add(person.id)
                rows.append(
                    {
                        "cycle": cycle.id,
                        "person": person.id,
                        "role": stake.role,
                        "department": stake.department.strip(),
                    }
                )
        for start in range(0, len(rows), 500):
            Participant.insert_many(rows[start : start + 500]).execute()
        for metric in spec.metrics:
            _save_metric(programme, metric)
        schedule.schedule_auto_trigger(cycle)
    return cycle


def last_cycle(programme: Programme) -> Cycle | None:
    """Return the programme's most recent follow-up cycle."""
    return (
        Cycle.select()
        .where((Cycle.programme == programme) & (Cycle.kind == "followup"))
        .order_by(Cycle.created_at.desc(), Cycle.id.desc())
        .first()
    )


def clone_spec(cycle: Cycle, shift: dt.timedelta) -> CycleSpec:
    """Return a spec like ``cycle``'s, with the session moved by ``shift``."""
    session = session_of(cycle)
    stakeholders = [
        StakeholderSpec(department=p.department, person_id=p.person_id, role=p.role)
        for p in Participant.select().where(Participant.cycle == cycle).order_by(Participant.id)
    ]
    deadline_gap = (
        (session.starts_at - cycle.reply_deadline)
        if cycle.reply_deadline
        else deadline_before(cycle.programme)
    )
    return CycleSpec(
        title=cycle.title,
        objectives=cycle.objectives,
        starts_at=session.starts_at + shift,
        ends_at=session.ends_at + shift,
        timezone=session.timezone,
        location=session.location,
        reply_deadline=session.starts_at + shift - deadline_gap,
        stakeholders=stakeholders,
    )


def clone_cycle(cycle: Cycle, shift: dt.timedelta) -> Cycle:
    """Draft a new cycle with ``cycle``'s people, place and objectives, ``shift`` later."""
    return create_cycle(cycle.programme, clone_spec(cycle, shift), previous=cycle)


def update_session(
    cycle: Cycle, starts_at: dt.datetime, ends_at: dt.datetime, timezone: str, location: str
) -> bool:
    """Change the session's time or place; a triggered cycle re-sends invitations (SEQUENCE+1),
    and a new time sends the update request again, with the new date to answer by, to whoever
    has not answered."""
    session = session_of(cycle)
    changed = (session.starts_at, session.ends_at, session.timezone, session.location) != (
        starts_at,
        ends_at,
        timezone,
        location.strip(),
    )
    if not changed:
        return False
    if cycle.status in ("cancelled", "summarised", "closed"):
        raise CycleStateError(f"the cycle is {cycle.status}; its session can no longer change")
    with outbox.transaction():
        shift = starts_at - session.starts_at
        session.starts_at, session.ends_at = starts_at, ends_at
        session.timezone, session.location = timezone, location.strip()
        if cycle.status != "draft":
            session.sequence += 1
        session.save()
        if cycle.reply_deadline:
            cycle.reply_deadline += shift
            cycle.save(only=[Cycle.reply_deadline])
        AuditEvent.record("session.updated", session, sequence=session.sequence)
        if cycle.status in ("triggered", "held"):
            resend_invites(cycle, session)
            schedule.schedule_cycle(cycle, session)
        if shift and cycle.reply_deadline and cycle.status in CHASING_STATES:
            # The request people have says the old date: who has not answered gets the new one.
            send_moved_requests(cycle, session)
    return True


def cancel_cycle(cycle: Cycle) -> int:
    """Cancel a cycle: stop its due work and send METHOD:CANCEL to everyone invited."""
    if cycle.status in ("cancelled", "summarised", "closed"):
        raise CycleStateError(f"the cycle is {cycle.status} and cannot be cancelled")
    with outbox.transaction():
        was = cycle.status
        Cycle.update(status="cancelled").where(Cycle.id == cycle.id).execute()
        schedule.cancel_cycle_jobs(cycle.id)
        session = session_of(cycle)
        if session is None or was == "draft":
            return 0
        session.sequence += 1
        session.status = "cancelled"
        session.save()
        return resend_invites(cycle, session, method="CANCEL")
