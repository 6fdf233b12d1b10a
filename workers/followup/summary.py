"""The summary: sent to every stakeholder within SUMMARY_WITHIN_HOURS of the session's end."""

from __future__ import annotations

from peewee import JOIN

from models import ActionItem, Cycle, Person, clock
from workers.followup.brief import action_plan, barriers, metrics_now
from workers.followup.common import (
    cycle_url,
    item_ctx,
    notes_takers,
    reachable,
    session_ctx,
    session_of,
    stakeholders,
)
from workers.followup.next_cycle import draft_next
from workers.outbound import outbox
from workers.outbound.outbox import Draft, queue_many
from workers.runtime import jobs

#: Cycle states from which a summary may be sent.
SUMMARY_STATES = ("triggered", "held")


def build_summary(cycle: Cycle, next_date: str = "") -> dict:
    """Return the summary's content as plain values, saying what is missing."""
    session = session_of(cycle)
    people = stakeholders(cycle)
    new_items = (
        ActionItem.select(ActionItem, Person)
        .join(Person, join_type=JOIN.LEFT_OUTER)
        .where(ActionItem.cycle == cycle)
        .order_by(ActionItem.due_date, ActionItem.id)
    )
    not_reported = [p.person.name for p in people if p.responded_at is None]
    missing = []
    if not cycle.notes.strip():
        missing.append("The session notes (decisions and next steps) have not arrived.")
    if not_reported:
        missing.append("No progress report from: " + ", ".join(not_reported) + ".")
    now = clock.now()
    return {
        "sent_at": now.isoformat(timespec="minutes"),
        "hours_after_session": round((now - session.ends_at).total_seconds() / 3600, 2),
        "key_points": key_points(cycle.notes, new_items),
        "notes_received": bool(cycle.notes.strip()),
        "metrics": metrics_now(cycle),
        "items": action_plan(cycle),
        "new_items": [item_ctx(item) for item in new_items],
        "barriers": barriers(cycle),
        "not_reported": not_reported,
        "missing": missing,
        "next_followup": next_date,
    }


def key_points(notes: str, new_items) -> list[str]:
    """Return the lines of the notes, less the new action items the summary lists anyway."""
    listed = {
        f"- {item.title} — {item.owner.name}, due {item.due_date.isoformat()}"
        for item in new_items
        if item.owner_id and item.due_date
    }
    lines = (line.strip() for line in notes.splitlines())
    return [line for line in lines if line and line not in listed]


def ready_early(cycle: Cycle) -> bool:
    """Tell whether the summary can go before its deadline: session over, notes in, all reported."""
    if cycle.status != "held" or not cycle.notes.strip() or cycle.summary_sent_at is not None:
        return False
    return all(p.responded_at is not None for p in stakeholders(cycle))


def send_summary(cycle_id: int) -> int:
    """Compile the summary, keep it on the cycle, mail it and draft the next follow-up.

    Safe to call twice: only the call that marks the cycle summarised sends anything.
    """
    with outbox.transaction():
        now = clock.now()
        claimed = (
            Cycle.update(summary_sent_at=now, status="summarised")
            .where(
                (Cycle.id == cycle_id)
                & Cycle.summary_sent_at.is_null()
                & Cycle.status.in_(SUMMARY_STATES)
            )
            .execute()
        )
        if claimed != 1:
            return 0
        cycle = Cycle.get_by_id(cycle_id)
        nxt = draft_next(cycle)
        summary = build_summary(cycle, _next_date(nxt))
        cycle.summary = {**(cycle.summary or {}), **summary}
        cycle.save(only=[Cycle.summary])
        session = session_of(cycle)
        recipients = {p.person.id: p.person for p in stakeholders(cycle)}
        recipients.update({p.id: p for p in notes_takers(cycle)})
        shared = {"summary": summary}  # stored once, not once per recipient
        drafts = []
        for person in reachable(recipients.values()):
            ctx = {
                "cycle": {"id": cycle.id, "title": cycle.title, "objectives": cycle.objectives},
                "session": session_ctx(session, person.timezone or session.timezone),
                "url": cycle_url(cycle.id),
            }
            key = f"cycle:{cycle.id}:summary:{person.id}"
            drafts.append(Draft("summary", person, ctx, key, ("cycle", cycle.id), shared=shared))
        return len(queue_many(drafts))


def _next_date(cycle: Cycle) -> str:
    session = session_of(cycle)
    return session.starts_at.strftime("%Y-%m-%d %H:%M UTC") if session else ""


def summarise_if_ready(cycle_id: int) -> int:
    """Send the summary now when everything it needs has arrived; else leave it to its job."""
    cycle = Cycle.get_or_none(Cycle.id == cycle_id)
    if cycle is None or not ready_early(cycle):
        return 0
    return send_summary(cycle_id)


@jobs.handler("cycle.summary")
def run_summary(payload: dict) -> None:
    """Send the summary (at the latest allowed time, whatever is missing)."""
    send_summary(payload["cycle_id"])
