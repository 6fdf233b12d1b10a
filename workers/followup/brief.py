"""The pre-session brief: metrics against targets, action plan, barriers, who is missing."""

from __future__ import annotations

from peewee import JOIN

from models import ActionItem, Cycle, Metric, Person, Report, clock
from workers.followup.common import (
    cycle_url,
    item_ctx,
    latest_values,
    metric_ctx,
    previous_value,
    reachable,
    session_ctx,
    session_of,
    stakeholders,
)
from workers.outbound import outbox
from workers.outbound.outbox import Draft, queue_many
from workers.runtime import jobs


def metrics_now(cycle: Cycle) -> list[dict]:
    """Return every metric of the programme with its latest value and progress."""
    values = latest_values(cycle)
    metrics = Metric.select().where(Metric.programme == cycle.programme_id).order_by(Metric.name)
    rows = []
    for metric in metrics:
        value = values.get(metric.id)
        row = metric_ctx(metric, value if value is not None else previous_value(metric, cycle))
        row["reported"] = value is not None
        rows.append(row)
    return rows


def action_plan(cycle: Cycle) -> list[dict]:
    """Return the programme's open items and those completed since the cycle started."""
    since = cycle.triggered_at or cycle.created_at
    query = (
        ActionItem.select(ActionItem, Person)
        .join(Person, join_type=JOIN.LEFT_OUTER)
        .where(
            (ActionItem.programme == cycle.programme_id)
            & (
                ActionItem.status.in_(("open", "blocked"))
                | ((ActionItem.status == "done") & (ActionItem.completed_at >= since))
            )
        )
        .order_by(ActionItem.due_date, ActionItem.id)
    )
    return [item_ctx(item) for item in query]


def barriers(cycle: Cycle) -> list[dict]:
    """Return the barriers and comments stakeholders raised in this cycle."""
    rows = (
        Report.select(Report, Person).join(Person).where(Report.cycle == cycle).order_by(Report.id)
    )
    return [
        {"person": r.person.name, "barriers": r.barriers, "comment": r.comment, "late": r.late}
        for r in rows
        if r.barriers or r.comment
    ]


def build_brief(cycle: Cycle) -> dict:
    """Return the brief's content as plain values (kept on the cycle and mailed)."""
    items = action_plan(cycle)
    today = clock.now().date().isoformat()
    people = stakeholders(cycle)
    return {
        "built_at": clock.now().isoformat(timespec="minutes"),
        "metrics": metrics_now(cycle),
        "items": items,
        "done": sum(1 for i in items if i["status"] == "done"),
        "unresolved": [
            i
            for i in items
            if i["status"] == "blocked" or (i["due"] and i["due"] < today and i["status"] != "done")
        ],
        "barriers": barriers(cycle),
        "not_reported": [p.person.name for p in people if p.responded_at is None],
        "reported": sum(1 for p in people if p.responded_at is not None),
        "stakeholders": len(people),
    }


def send_brief(cycle_id: int) -> int:
    """Build the brief, keep it on the cycle and send it to every stakeholder."""
    cycle = Cycle.get_or_none(Cycle.id == cycle_id)
    if cycle is None or cycle.status != "triggered":
        return 0
    session = session_of(cycle)
    brief = build_brief(cycle)
    shared = {"brief": brief}  # stored once, not once per stakeholder
    drafts = []
    for person in reachable(p.person for p in stakeholders(cycle)):
        ctx = {
            "cycle": {"id": cycle.id, "title": cycle.title, "objectives": cycle.objectives},
            "session": session_ctx(session, person.timezone or session.timezone),
            "url": cycle_url(cycle.id),
        }
        key = f"cycle:{cycle.id}:brief:{person.id}"
        drafts.append(Draft("brief", person, ctx, key, ("cycle", cycle.id), shared=shared))
    with outbox.transaction():
        cycle = Cycle.get_by_id(cycle_id)
        cycle.summary = {**(cycle.summary or {}), "brief": brief}
        cycle.save(only=[Cycle.summary])
        return len(queue_many(drafts))


@jobs.handler("cycle.brief")
def run_brief(payload: dict) -> None:
    """Send the pre-session brief."""
    send_brief(payload["cycle_id"])
