"""Replies about a pair's or group's sessions in words: choosing an offered time, asking for
an extra session, updating the action plan and checking in on goals.

Invitations, offered times and reminders carry the pair's reply address (object "pair");
what a reply says is read with ``pair_grammar`` and applied here. The same plan and goal
lines are understood in feedback after a session (``feedback``).
"""

from __future__ import annotations

from models import InboundMessage, MentoringGroup, Occurrence, Person
from workers.grammar.dates import local_today
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import AmbiguousReplyError, UnknownObjectError
from workers.mentoring import goals as goals_mod
from workers.mentoring import plan as plan_mod
from workers.mentoring import reschedule
from workers.mentoring.errors import SessionError
from workers.mentoring.invitations import attendees
from workers.mentoring.pair_grammar import PairReply, read_pair_reply
from workers.outbound import outbox
from workers.runtime.plainsql import row_by_id

#: What a reply to the pair's address may say, for the sender's benefit.
HELP = (
    'Reply with the number of an offered time, "I need a session this week", '
    '"Plan 1: done", "Goal 1: 60%" or "Action: ... @name by date".'
)


def group_for(ctx: ReplyContext) -> tuple[MentoringGroup, str]:
    """Return the group a reply is about and the sender's role in it, or raise."""
    group = row_by_id(MentoringGroup, ctx.object_id)
    role = None
    if group is not None:
        role = next((a.role for a in attendees(group) if a.person.id == ctx.person.id), None)
    if group is None or role is None:
        raise UnknownObjectError(f"pair {ctx.object_id} does not exist")
    return group, role


def apply_work(
    group: MentoringGroup,
    person: Person,
    role: str,
    reply: PairReply,
    occurrence: Occurrence | None = None,
    inbound: InboundMessage | None = None,
) -> tuple[list[str], list[str]]:
    """Apply plan updates, new plan items and goal check-ins; return (recorded, problems)."""
    recorded, problems = plan_mod.update_items(group, reply.plan)
    recorded += plan_mod.add_items(group, reply.actions, person, occurrence)
    mentees = [a.person for a in attendees(group) if a.role == "mentee"]
    whose = person if role == "mentee" else (mentees[0] if len(mentees) == 1 else None)
    if reply.goals and whose is None:
        problems.append("Goals: only a mentee, or the mentor of one mentee, checks in on goals")
    elif reply.goals:
        goals = goals_mod.goals_of(group.programme_id, whose.id)
        for number, (value, percent) in sorted(reply.goals.items()):
            if not 1 <= number <= len(goals):
                problems.append(f"Goal {number}: {whose.name} has {len(goals)} goals")
                continue
            inbound_id = inbound.id if inbound is not None else None
            recorded.append(
                goals_mod.check_in(goals[number - 1], value, percent, person, inbound_id)
            )
    return recorded, problems + reply.problems


def read_desk_reply(ctx: ReplyContext) -> None:
    """Read the reply ahead of the write transaction."""
    ctx.read = read_pair_reply(ctx.reply_text, timezone=ctx.person.timezone,
                               today=local_today(ctx.person.timezone))  # fmt: skip


@applier("pair", read=read_desk_reply)
def apply_desk_reply(ctx: ReplyContext) -> str:
    """Apply a reply to a pair's address: a time chosen, a session asked for, plan and goals."""
    group, role = group_for(ctx)
    if ctx.read is None:
        read_desk_reply(ctx)
    reply: PairReply = ctx.read
    recorded, problems = apply_work(group, ctx.person, role, reply, inbound=ctx.message)
    offer = reschedule.open_proposal(group)
    if reply.option is not None and offer is not None:
        try:
            recorded.append(reschedule.choose(offer.id, reply.option, ctx.person))
        except SessionError as exc:
            problems.append(str(exc))
    elif reply.ad_hoc and role == "mentee":
        found = reschedule.propose(group, "adhoc", ctx.person)
        recorded.append(f"{len(found.slots)} times for an extra session sent to you both")
    if not recorded:
        raise AmbiguousReplyError(
            "nothing in the reply could be applied", understood=[], not_understood=problems + [HELP]
        )
    confirm(ctx, recorded, problems)
    return "; ".join(recorded)[:1000]


def confirm(ctx: ReplyContext, recorded: list[str], problems: list[str]) -> None:
    """Tell the sender what their reply recorded and what it did not."""
    with outbox.transaction():
        outbox.queue_email(
            "confirmation",
            ctx.person,
            {
                "title": "your mentoring sessions",
                "recorded": recorded,
                "not_understood": problems,
                "late": False,
            },
            key=f"inbound:{ctx.message.id}:confirmation",
            about=(ctx.object_type, ctx.object_id),
            in_reply_to=ctx.message.message_id,
        )
