"""Small lookups the follow-up cycle's steps share: sessions, people, contexts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from peewee import JOIN

from models import (
    ActionItem,
    Cycle,
    Membership,
    Metric,
    MetricValue,
    Participant,
    Person,
    Session,
    User,
    clock,
)
from workers import settings as settings_mod
from workers.outbound.invites import describe_time, local_time
from workers.outbound.tokens import EPOCH, make_reply_address

#: Roles that get the session-notes request when the cycle names no facilitator.
NOTES_ROLES = ("facilitator", "coordinator")

#: How long the reply address in a session's ORGANIZER stays valid, from the session's creation.
ORGANIZER_VALID = dt.timedelta(days=400)


class FollowupError(Exception):
    """Base for follow-up cycle problems a coordinator can fix."""


class CycleStateError(FollowupError):
    """The cycle is not in a state that allows this step."""


def session_of(cycle: Cycle) -> Session | None:
    """Return the cycle's session (a follow-up cycle has one)."""
    return Session.select().where(Session.cycle == cycle).order_by(Session.id).first()


def stakeholders(cycle: Cycle) -> list[Participant]:
    """Return the cycle's stakeholders with their people, in name order."""
    query = (
        Participant.select(Participant, Person)
        .join(Person)
        .where((Participant.cycle == cycle) & (Participant.role == "stakeholder"))
        .order_by(Person.name, Person.id)
    )
    return list(query)


def reachable(people: Iterable[Person]) -> list[Person]:
    """Keep the people Tandem may still email: active, their address not hard-bounced."""
    return [person for person in people if person.can_receive_email]


def coordinators(programme) -> list[Person]:
    """Return the people who coordinate ``programme`` (or every coordinator login's person)."""
    people = [
        m.person
        for m in Membership.select(Membership, Person)
        .join(Person)
        .where((Membership.programme == programme) & (Membership.role == "coordinator"))
    ]
    if not people:
        people = [u.person for u in User.select().where(User.person.is_null(False))]
    return people


def notes_takers(cycle: Cycle) -> list[Person]:
    """Return who is asked for the session notes: the cycle's facilitators, else the programme's."""
    people = [
        p.person
        for p in Participant.select(Participant, Person)
        .join(Person)
        .where((Participant.cycle == cycle) & (Participant.role == "facilitator"))
    ]
    for role in NOTES_ROLES:
        if people:
            break
        people = [
            m.person
            for m in Membership.select(Membership, Person)
            .join(Person)
            .where((Membership.programme == cycle.programme_id) & (Membership.role == role))
        ]
    return people or coordinators(cycle.programme_id)


def organizer_address(person_id: int, session: Session) -> str:
    """Return the reply address a person's calendar answers (stable across re-sends)."""
    settings = settings_mod.get()
    # A fixed expiry keeps the ORGANIZER identical in every SEQUENCE of the invitation.
    expires = session.created_at.date() + ORGANIZER_VALID
    days = (expires - EPOCH).days - (clock.now().date() - EPOCH).days
    return make_reply_address(
        settings.secret_key, settings.reply_domain, person_id, "session", session.id, max(days, 1)
    )


def latest_values(cycle: Cycle) -> dict[int, float]:
    """Return the latest value reported in ``cycle`` for each metric id."""
    rows = (
        MetricValue.select()
        .where(MetricValue.cycle == cycle)
        .order_by(MetricValue.reported_at, MetricValue.id)
    )
    return {row.metric_id: row.value for row in rows}


def previous_value(metric: Metric, cycle: Cycle) -> float | None:
    """Return the metric's last value from an earlier cycle, else its baseline."""
    row = (
        MetricValue.select()
        .where((MetricValue.metric == metric) & (MetricValue.cycle != cycle))
        .order_by(MetricValue.reported_at.desc(), MetricValue.id.desc())
        .first()
    )
    return row.value if row else metric.baseline


def progress(metric: Metric, value: float | None) -> tuple[float | None, float | None]:
    """Return (progress toward target in percent, gap to target) for a value, or Nones."""
    if value is None or metric.target is None:
        return None, None
    gap = metric.target - value if metric.direction == "up" else value - metric.target
    if metric.baseline is None or metric.target == metric.baseline:
        return None, round(gap, 2)
    share = (value - metric.baseline) / (metric.target - metric.baseline)
    return round(share * 100, 1) + 0.0, round(gap, 2) + 0.0  # + 0.0 turns -0.0 into 0.0


def current_values(cycle: Cycle, metrics: list[Metric]) -> dict[int, float | None]:
    """Return each metric's value for ``cycle``: reported in it, else the last earlier one,
    else its baseline (one query for all metrics)."""
    here: dict[int, float] = {}
    before: dict[int, float] = {}
    rows = (
        MetricValue.select(MetricValue.metric, MetricValue.cycle, MetricValue.value)
        .where(MetricValue.metric.in_([m.id for m in metrics]))
        .order_by(MetricValue.reported_at, MetricValue.id)
    )
    for row in rows.tuples() if metrics else []:
        metric_id, cycle_id, value = row
        (here if cycle_id == cycle.id else before)[metric_id] = value
    return {m.id: here.get(m.id, before.get(m.id, m.baseline)) for m in metrics}


def owned_work(cycle: Cycle) -> tuple[dict, dict, dict]:
    """Return (open items by owner id, metrics by owner id, metric values) for a cycle."""
    items: dict[int, list[ActionItem]] = defaultdict(list)
    query = (
        ActionItem.select(ActionItem, Person)
        .join(Person)
        .where(
            (ActionItem.programme == cycle.programme_id)
            & ActionItem.status.in_(("open", "blocked"))
        )
        .order_by(ActionItem.due_date, ActionItem.id)
    )
    for item in query:
        items[item.owner_id].append(item)
    metrics: dict[int, list[Metric]] = defaultdict(list)
    every = list(
        Metric.select(Metric, Person)
        .join(Person, JOIN.LEFT_OUTER)
        .where(Metric.programme == cycle.programme_id)
        .order_by(Metric.name)
    )
    for metric in every:
        metrics[metric.owner_id].append(metric)
    return items, metrics, current_values(cycle, every)


def metric_ctx(metric: Metric, value: float | None) -> dict:
    """Return a metric as plain values for templates."""
    pct, gap = progress(metric, value)
    return {
        "id": metric.id,
        "name": metric.name,
        "unit": metric.unit,
        "baseline": metric.baseline,
        "target": metric.target,
        "direction": metric.direction,
        "value": value,
        "progress": pct,
        "gap": gap,
        "owner": metric.owner.name if metric.owner_id else "",
    }


def item_ctx(item: ActionItem, number: int | None = None) -> dict:
    """Return an action item as plain values for templates."""
    return {
        "number": number,
        "id": item.id,
        "title": item.title,
        "owner": item.owner.name if item.owner_id else "",
        "owner_email": item.owner.email if item.owner_id else "",
        "due": item.due_date.isoformat() if item.due_date else "",
        "status": item.status,
        "percent": item.percent,
        "blocked_reason": item.blocked_reason,
    }


def session_ctx(session: Session, zone: str) -> dict:
    """Return a session's title, place and time in ``zone`` for templates."""
    return {
        "title": session.title,
        "location": session.location,
        "when": describe_time(session.starts_at, session.ends_at, zone),
        "timezone": zone,
    }


def deadline_text(when: dt.datetime | None, zone: str) -> str:
    """Return a deadline as people read it in ``zone``."""
    if when is None:
        return ""

    local = local_time(when, zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} ({zone})"


def cycle_url(cycle_id: int) -> str:
    """Return the coordinator's page for a cycle."""
    return f"{settings_mod.get().base_url}/cycles/{cycle_id}"
