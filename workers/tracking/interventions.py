"""Interventions: a new at-risk flag goes to the participant's mentor or facilitator once,
with its reasons in plain words and the data behind them; their reply records the outcome.

The pair's mentor is asked first (they know the participant), then the programme's
facilitator, then its coordinator. The flag is claimed and the email queued in one
transaction, so a retried job sends nothing twice. When a flag clears, whoever was told gets
one line saying so.
"""

from __future__ import annotations

import datetime as dt

from peewee import JOIN

from models import GroupMember, Membership, MentoringGroup, Person, Programme, RiskFlag, clock
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import AmbiguousReplyError, UnknownObjectError
from workers.outbound import outbox
from workers.outbound.outbox import Draft, queue_many
from workers.runtime.plainsql import row_by_id
from workers.tracking.atrisk import claim_intervention, record_outcome
from workers.tracking.outcomes import read_outcome

#: Programme roles asked about a participant with no mentor, in this order.
FALLBACK_ROLES = ("facilitator", "coordinator")

#: Cleared flags looked at for the "it has cleared" line (a few missed days are caught up).
CLEARED_WITHIN = dt.timedelta(days=7)

#: How far back the history shows cleared flags.
HISTORY_DAYS = 90

#: How the reply's outcome reads back in the confirmation.
OUTCOME_WORDS = {
    "re-engaged": "back on track",
    "withdrew": "withdrew from the programme",
    "no-response": "no response yet",
    "other": "noted",
}

#: What to answer, as the intervention email and the ask-back both say it.
HELP = 'reply in a line, e.g. "spoke to her, back on track", "no answer yet" or "has withdrawn"'


def mentor_of(programme_id: int, person_id: int) -> Person | None:
    """Return the mentor of the participant's active pair or group in the programme, if any."""
    return (
        Person.select()
        .join(MentoringGroup, on=(MentoringGroup.mentor == Person.id))
        .join(GroupMember, on=(GroupMember.group == MentoringGroup.id))
        .where(
            (MentoringGroup.programme == programme_id)
            & (MentoringGroup.status == "active")
            & (GroupMember.person == person_id)
        )
        .order_by(MentoringGroup.id)
        .first()
    )


def staff_of(programme_id: int, roles: tuple[str, ...] = FALLBACK_ROLES) -> Person | None:
    """Return the programme's first facilitator, else its first coordinator, who takes email."""
    for role in roles:
        query = (
            Person.select()
            .join(Membership, on=(Membership.person == Person.id))
            .where((Membership.programme == programme_id) & (Membership.role == role))
            .order_by(Membership.id)
        )
        found = next((p for p in query if p.can_receive_email), None)
        if found is not None:
            return found
    return None


def recipient_for(programme_id: int, person_id: int) -> Person | None:
    """Return who hears about a participant at risk: their mentor, else the programme staff."""
    mentor = mentor_of(programme_id, person_id)
    if mentor is not None and mentor.can_receive_email:
        return mentor
    return staff_of(programme_id)


def facts(reason: dict) -> list[str]:
    """Return the data behind one reason as short lines ("assignment: Case study, due ...")."""
    lines = []
    for key, value in (reason.get("data") or {}).items():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    lines.append(f"{key.rstrip('s')}: {_item(item)}")
                else:
                    lines.append(f"{key}: {item}")
        elif value not in (None, ""):
            lines.append(f"{key.replace('_', ' ')}: {value}")
    return lines


def _item(item: dict) -> str:
    """Return one listed thing as "Case study, due 2026-11-22": its name, then the rest."""
    head = [str(item[k]) for k in ("title", "text") if k in item]
    rest = [f"{k} {v}" for k, v in item.items() if k not in ("title", "text", "goal")]
    return ", ".join(head + rest)


def intervention_ctx(flag: RiskFlag, programme: Programme, person: Person) -> dict:
    """Return the intervention email's values: who, since when, why, and the data."""
    return {
        "programme": programme.name,
        "participant": person.name,
        "participant_email": person.email,
        "raised_on": flag.raised_at.date().isoformat(),
        "reasons": [{"words": r["words"], "facts": facts(r)} for r in flag.reasons],
        "help": HELP,
    }


def send_intervention(flag_id: int) -> bool:
    """Send an open flag's intervention email once; False when sent before or nobody to ask."""
    flag = RiskFlag.get_or_none(RiskFlag.id == flag_id)
    if flag is None or flag.cleared_at is not None or flag.intervention_sent_at is not None:
        return False
    to = recipient_for(flag.programme_id, flag.person_id)
    if to is None:
        return False
    ctx = intervention_ctx(flag, flag.programme, flag.person)
    with outbox.transaction():
        if not claim_intervention(flag.id, to.id):
            return False
        outbox.queue_email(
            "intervention-flag",
            to,
            ctx,
            key=f"riskflag:{flag.id}:intervention",
            about=("riskflag", flag.id),
        )
    return True


def send_pending(programme_id: int) -> int:
    """Send the intervention of every open flag of the programme not sent yet; return how many."""
    pending = RiskFlag.select(RiskFlag.id).where(
        (RiskFlag.programme == programme_id)
        & RiskFlag.cleared_at.is_null()
        & RiskFlag.intervention_sent_at.is_null()
    )
    return sum(send_intervention(row.id) for row in pending.order_by(RiskFlag.id))


def tell_cleared(programme_id: int, now: dt.datetime | None = None) -> int:
    """Tell whoever got an intervention that the flag has cleared, once; return how many."""
    now = now or clock.now()
    cleared = RiskFlag.select().where(
        (RiskFlag.programme == programme_id)
        & (RiskFlag.cleared_at >= now - CLEARED_WITHIN)
        & RiskFlag.intervention_by.is_null(False)
    )
    drafts = []
    for flag in cleared:
        to = flag.intervention_by
        if to.can_receive_email:
            ctx = {
                "programme": flag.programme.name,
                "participant": flag.person.name,
                "raised_on": flag.raised_at.date().isoformat(),
                "cleared_on": flag.cleared_at.date().isoformat(),
                "reasons": [r["words"] for r in flag.reasons],
            }
            drafts.append(Draft("intervention-cleared", to, ctx, f"riskflag:{flag.id}:cleared"))
    with outbox.transaction():
        return len(queue_many(drafts))


@applier("riskflag")
def apply_outcome(ctx: ReplyContext) -> str:
    """Record what came of an intervention from its recipient's reply, and confirm it."""
    flag = row_by_id(RiskFlag, ctx.object_id)
    if flag is None or flag.intervention_by_id != ctx.person.id:
        raise UnknownObjectError(f"at-risk flag {ctx.object_id} does not exist")
    found = read_outcome(ctx.reply_text, (ctx.person.name,))
    if found is None:
        raise AmbiguousReplyError("the reply says nothing about the outcome", not_understood=[HELP])
    participant = Person.get_by_id(flag.person_id)
    with outbox.transaction():
        record_outcome(flag.id, found.outcome, found.note)
        outbox.queue_email(
            "confirmation",
            ctx.person,
            {
                "title": f"the outcome for {participant.name}",
                "recorded": [f"{participant.name}: {OUTCOME_WORDS[found.outcome]}: {found.note}"],
                "not_understood": [],
                "late": False,
            },
            key=f"inbound:{ctx.message.id}:confirmation",
            about=("riskflag", flag.id),
            in_reply_to=ctx.message.message_id,
        )
    return f"outcome {found.outcome}"


def history(programme_id: int, days: int = HISTORY_DAYS) -> list[dict]:
    """Return the flags open now or raised lately, newest first: why, who was asked, what came
    of it, and whether (and when) the flag cleared."""
    since = clock.now() - dt.timedelta(days=days)
    asked = Person.alias()
    query = (
        RiskFlag.select(RiskFlag, Person.name, asked.name.alias("asked"))
        .join(Person, on=(Person.id == RiskFlag.person))
        .switch(RiskFlag)
        .join(asked, JOIN.LEFT_OUTER, on=(asked.id == RiskFlag.intervention_by))
        .where(
            (RiskFlag.programme == programme_id)
            & (RiskFlag.cleared_at.is_null() | (RiskFlag.raised_at >= since))
        )
        .order_by(RiskFlag.raised_at.desc(), RiskFlag.id.desc())
    )
    return [
        {
            "name": row["name"],
            "raised_on": _day(row["raised_at"]),
            "cleared_on": _day(row["cleared_at"]),
            "reasons": [reason["words"] for reason in row["reasons"]],
            "asked": row["asked"] or "",
            "sent_on": _day(row["intervention_sent_at"]),
            "outcome": OUTCOME_WORDS.get(row["outcome"], ""),
            "note": row["outcome_note"],
        }
        for row in query.dicts()
    ]


def _day(value) -> str:
    return str(value)[:10] if value else ""
