"""Appliers: what replies about a cycle, an action item or the session notes change."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models import (
    ActionItem,
    Cycle,
    Metric,
    MetricValue,
    OutboundEmail,
    Participant,
    Person,
    Report,
    clock,
)
from workers.followup.items import apply_update
from workers.followup.notes import apply_notes
from workers.followup.summary import summarise_if_ready
from workers.grammar.reply import parse_reply
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import AmbiguousReplyError, UnknownObjectError
from workers.outbound import outbox
from workers.outbound.render import thread_headers
from workers.runtime.plainsql import row_by_id
from workers.tracking.engagement import note

#: A comment line that names a barrier ("Barriers: ...", "Blocker - ...").
BARRIER_RE = re.compile(r"^\s*(?:barriers?|blockers?|obstacles?)\s*[:\-–]\s*(?P<text>.+)$", re.I)

#: A comment line's optional label, removed before keeping it.
COMMENT_RE = re.compile(r"^\s*(?:comments?|notes?)\s*[:\-–]\s*", re.I)

#: Longest barrier or comment kept from one reply.
MAX_TEXT = 5000

#: How long after a cycle's summary went out answers about it are still taken (late reports,
#: corrections). Until then a cycle takes them whatever date its reply addresses carry: a
#: moved session moves the deadline past it.
ANSWERS_AFTER_SUMMARY = dt.timedelta(days=14)


def _today(person: Person) -> dt.date:
    try:
        zone = ZoneInfo(person.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return clock.now().replace(tzinfo=dt.UTC).astimezone(zone).date()


def numbered_items(cycle: Cycle, person: Person) -> dict[int, int]:
    """Return number -> item id as the person's latest update request or reminder listed them."""
    sent = (
        OutboundEmail.select()
        .where(
            (OutboundEmail.person == person)
            & (OutboundEmail.object_type == "cycle")
            & (OutboundEmail.object_id == cycle.id)
            & OutboundEmail.kind.in_(("update-request", "reminder"))
        )
        .order_by(OutboundEmail.id.desc())
        .first()
    )
    if sent is not None:
        return {i["number"]: i["id"] for i in sent.ctx.get("items", []) if i.get("number")}
    items = ActionItem.open_for(cycle.programme_id, owner=person)
    return {n: item.id for n, item in enumerate(items, 1)}


def cycle_still_open(cycle_id: int) -> bool:
    """Tell whether a cycle takes answers: until its summary has gone out, and a while after."""
    cycle = Cycle.get_or_none(Cycle.id == cycle_id)
    if cycle is None or cycle.status == "cancelled":
        return False
    sent = cycle.summary_sent_at
    return sent is None or clock.now() <= sent + ANSWERS_AFTER_SUMMARY


def writer_names(ctx: ReplyContext) -> tuple[str, ...]:
    """Return the names a reply's writer may sign with: as Tandem knows them, as their From says."""
    return (ctx.person.name, getattr(ctx.parsed, "sender_name", "") or "")


def split_comment(comment: str) -> tuple[str, str]:
    """Split a reply's free text into (barriers, comment)."""
    barriers, rest = [], []
    for line in (comment or "").splitlines():
        match = BARRIER_RE.match(line)
        if match:
            barriers.append(match.group("text").strip())
        elif line.strip():
            rest.append(COMMENT_RE.sub("", line).strip())
    return "\n".join(barriers)[:MAX_TEXT], "\n".join(rest)[:MAX_TEXT]


def _unexplained(comment: str, problems: list[str]) -> str:
    """Drop the comment lines a problem already names, so they are not kept as comments."""
    lines = comment.splitlines()
    return "\n".join(
        ln for ln in lines if not any(ln.strip() and ln.strip() in p for p in problems)
    )


def _item_updates(fields, mapping: dict[int, int], ctx: ReplyContext, late: bool, known=None):
    """Apply the item lines; ``known`` maps ids to items loaded already in this transaction."""
    recorded, problems = [], []
    known = dict(known or {})
    for update in fields.items:
        item_id = mapping.get(update.number) if update.number is not None else None
        if item_id is None and len(mapping) == 1 and update.number is None:
            item_id = next(iter(mapping.values()))
        item = known.get(item_id) if item_id else None
        if item is None and item_id:
            item = known[item_id] = ActionItem.get_or_none(ActionItem.id == item_id)
        if item is None:
            problems.append(f"{update.line.strip()} (no item numbered {update.number})")
            continue
        said = apply_update(
            item,
            status=update.status,
            percent=update.percent,
            reason=update.reason or "",
            due=update.due,
            by=ctx.person,
            inbound=ctx.message.id,
            late=late,
        )
        recorded.append(said)
    return recorded, problems


def _metric_values(fields, cycle: Cycle, ctx: ReplyContext) -> list[str]:
    recorded = []
    for reading in fields.metrics:
        metric = Metric.get_or_none(
            (Metric.programme == cycle.programme_id) & (Metric.name == reading.name)
        )
        if metric is None:
            continue
        MetricValue.create(
            metric=metric,
            cycle=cycle,
            value=reading.value,
            reported_by=ctx.person,
            inbound=ctx.message.id,
        )
        unit = f" {metric.unit}" if metric.unit else ""
        recorded.append(f"{metric.name}: {reading.value:g}{unit}")
    return recorded


def _confirm(ctx: ReplyContext, title: str, recorded, problems, late: bool, about) -> None:
    mail = {"title": title, "recorded": recorded, "not_understood": problems, "late": late}
    parsed = ctx.parsed
    # Threaded under the reply, with the reply's whole chain, so mail clients group them.
    in_reply_to, references = thread_headers(
        ctx.message.message_id,
        getattr(parsed, "references", None) or (),
        getattr(parsed, "in_reply_to", None) or (),
    )
    outbox.queue_email(
        "confirmation",
        ctx.person,
        mail,
        key=f"inbound:{ctx.message.id}:confirmation",
        about=about,
        in_reply_to=in_reply_to,
        references=references,
    )


def read_progress(ctx: ReplyContext) -> None:
    """Read a progress reply ahead of the writes: the cycle, the items' numbers and the words."""
    cycle = _open_cycle(ctx.object_id)
    mapping = numbered_items(cycle, ctx.person)
    names = [m.name for m in Metric.select().where(Metric.programme == cycle.programme_id)]
    fields = parse_reply(
        ctx.reply_text,
        timezone=ctx.person.timezone,
        today=_today(ctx.person),
        open_items=sorted(mapping),
        metric_names=names,
        names=writer_names(ctx),
    )
    ctx.read = (mapping, fields)


def apply_progress(ctx: ReplyContext, cycle: Cycle) -> str:
    """Apply a progress reply: item changes, metric values, barriers and comments."""
    if ctx.read is None:
        read_progress(ctx)
    mapping, fields = ctx.read
    late = bool(ctx.late) or bool(cycle.reply_deadline and clock.now() > cycle.reply_deadline)
    with outbox.transaction():
        recorded, problems = _item_updates(fields, mapping, ctx, late)
        recorded += _metric_values(fields, cycle, ctx)
        problems += [str(p) for p in fields.problems or []]
        barriers, comment = split_comment(_unexplained(fields.comment or "", problems))
        if barriers or comment:
            Report.create(
                cycle=cycle,
                person=ctx.person,
                barriers=barriers,
                comment=comment,
                late=late,
                inbound=ctx.message.id,
            )
            recorded += [f"Barrier: {b}" for b in barriers.splitlines()]
            recorded += [f"Comment: {comment[:300]}"] if comment else []
        if not recorded:
            raise AmbiguousReplyError(
                "nothing in the reply could be applied", understood=[], not_understood=problems
            )
        Participant.update(responded_at=clock.now(), late=late).where(
            (Participant.cycle == cycle)
            & (Participant.person == ctx.person)
            & Participant.responded_at.is_null()
        ).execute()
        _confirm(ctx, cycle.title, recorded, problems, late, ("cycle", cycle.id))
    summarise_if_ready(cycle.id)
    return f"{len(recorded)} recorded, {len(problems)} not understood" + (" (late)" if late else "")


def _open_cycle(cycle_id: int) -> Cycle:
    cycle = Cycle.get_or_none(Cycle.id == cycle_id)
    if cycle is None or cycle.status == "cancelled":
        raise UnknownObjectError(f"cycle {cycle_id} does not exist or was cancelled")
    return cycle


@applier("cycle", read=read_progress, still_open=cycle_still_open)
def apply_cycle_reply(ctx: ReplyContext) -> str:
    """Apply a stakeholder's answer to an update request, reminder, brief or summary."""
    cycle = _open_cycle(ctx.object_id)
    applied = apply_progress(ctx, cycle)
    note(cycle.programme_id, ctx.person.id, "reply", f"inbound:{ctx.message.id}")  # engagement
    return applied


def read_item_reply(ctx: ReplyContext) -> None:
    """Read an answer about one item ahead of the writes: its words, as the grammar does."""
    ctx.read = parse_reply(
        ctx.reply_text,
        timezone=ctx.person.timezone,
        today=_today(ctx.person),
        open_items=[1],
        metric_names=[],
        names=writer_names(ctx),
    )


@applier("item", read=read_item_reply)
def apply_item_reply(ctx: ReplyContext) -> str:
    """Apply an owner's answer to an assignment, reminder or overdue note about one item."""
    item = row_by_id(ActionItem, ctx.object_id)
    if item is None:
        raise UnknownObjectError(f"action item {ctx.object_id} does not exist")
    if ctx.read is None:
        read_item_reply(ctx)
    fields = ctx.read
    with outbox.transaction():
        recorded, problems = _item_updates(
            fields, {1: item.id}, ctx, bool(ctx.late), known={item.id: item}
        )
        problems += [str(p) for p in fields.problems or []]
        if not recorded:
            raise AmbiguousReplyError(
                "no change to the item could be read", understood=[], not_understood=problems
            )
        _confirm(ctx, item.title, recorded, problems, False, ("item", item.id))
    note(item.programme_id, ctx.person.id, "reply", f"inbound:{ctx.message.id}")
    return "; ".join(recorded)


@applier("notes", still_open=cycle_still_open)
def apply_notes_reply(ctx: ReplyContext) -> str:
    """Apply the facilitator's session notes: decisions, and action items with owner and date."""
    cycle = _open_cycle(ctx.object_id)
    outcome = apply_notes(cycle, ctx.reply_text, by=ctx.person, source="email")
    if not outcome.created and not outcome.decisions and outcome.questions:
        raise AmbiguousReplyError(
            "no action item in the notes was complete",
            understood=[],
            not_understood=outcome.questions,
        )
    with outbox.transaction():
        recorded = [f"New action item: {line}" for line in outcome.created]
        if outcome.decisions:
            recorded.append("Decisions and notes kept for the summary")
        _confirm(ctx, cycle.title, recorded, outcome.questions, False, ("notes", cycle.id))
    note(cycle.programme_id, ctx.person.id, "reply", f"inbound:{ctx.message.id}")
    summarise_if_ready(cycle.id)
    return f"{len(outcome.created)} items created, {len(outcome.questions)} asked back"
