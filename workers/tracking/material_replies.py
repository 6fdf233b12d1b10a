"""Materials by email: the list sent to participants, with a tracking link each, and the
reply that records what they finished ("done module 3", "finished videos 1 and 2")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from models import Material, Membership, Person, Programme, clock
from models.learning import MATERIAL_KINDS
from models.tracking import PARTICIPANT_ROLE
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import AmbiguousReplyError, UnknownObjectError
from workers.outbound import outbox
from workers.outbound.outbox import Draft, queue_many
from workers.runtime.plainsql import row_by_id
from workers.tracking.material_links import link_url
from workers.tracking.materials import complete, materials
from workers.tracking.outcomes import reply_lines

#: "done", "finished", "completed", "watched", "read", "I've done", "have finished".
DONE_RE = re.compile(
    r"^(?:i\s*(?:'ve|have)?\s+|have\s+|just\s+)*(?:done|finished|completed|complete|watched|"
    r"read|did|ticked\s+off)\b\s*(?:with\s+)?[:\-–]?\s*(?P<rest>.+)$",
    re.IGNORECASE,
)

#: Where a list of materials splits: commas, semicolons, "and", "&", "+".
LIST_SPLIT_RE = re.compile(r"\s*(?:,|;|&|\+|\band\b)\s*", re.IGNORECASE)

#: "module 3", "the reading 2", "videos 1", "#3", "3".
PIECE_RE = re.compile(
    rf"^(?:the\s+)?(?:(?P<kind>{'|'.join(MATERIAL_KINDS)})s?\s*)?(?:no\.?|#)?\s*(?P<n>\d+)$",
    re.IGNORECASE,
)

#: What to answer, as the email and the ask-back say it.
HELP = '"done module 3" (or "finished reading 1 and video 2")'


@dataclass
class DoneList:
    """What a reply says was finished, as (kind or None, number) or titles, and what not."""

    numbered: list[tuple[str | None, int]] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)


def read_done(text: str, writer: tuple[str, ...] = ()) -> DoneList:
    """Return the materials a reply says are done; lines without a "done" verb are ignored."""
    found = DoneList()
    for line in reply_lines(text, writer):
        m = DONE_RE.match(line.rstrip(".! "))
        if m is None:
            continue
        kind = None
        for piece in LIST_SPLIT_RE.split(m.group("rest")):
            piece = piece.strip(" .!")
            numbered = PIECE_RE.match(piece)
            if numbered:
                kind = (numbered.group("kind") or kind or "").lower() or None
                found.numbered.append((kind, int(numbered.group("n"))))
            elif piece:
                found.titles.append(piece)
    return found


def resolve(done: DoneList, listed: list[Material]) -> tuple[list[Material], list[str]]:
    """Return the materials a DoneList names and the parts that name none (or several)."""
    chosen, problems = [], []
    for kind, number in done.numbered:
        hits = [m for m in listed if m.number == number and kind in (None, m.kind)]
        named = f"{kind} {number}" if kind else str(number)
        if len(hits) == 1:
            chosen.append(hits[0])
        else:
            problems.append(f"{named}: " + ("which one? say module, reading or video"
                                            if hits else "no such material"))  # fmt: skip
    for title in done.titles:
        key = title.lower()
        hits = [m for m in listed if m.title.lower() == key] or [
            m for m in listed if m.title.lower().startswith(key) and len(key) >= 4
        ]
        if len(hits) == 1:
            chosen.append(hits[0])
        else:
            problems.append(f"{title}: no material called that")
    return list(dict.fromkeys(chosen)), problems


def send_materials(programme_id: int) -> int:
    """Send each participant the list of materials with their own tracking links; return how
    many emails went (once a day at most: the key carries the date)."""
    programme = Programme.get_by_id(programme_id)
    listed = materials(programme_id)
    if not listed:
        return 0
    people = (
        Membership.select(Membership, Person)
        .join(Person, on=(Membership.person == Person.id))
        .where((Membership.programme == programme_id) & (Membership.role == PARTICIPANT_ROLE))
    )
    today = clock.now().date().isoformat()
    drafts = []
    for member in people:
        if member.person.can_receive_email:
            ctx = {"programme": programme.name, "help": HELP, "materials": [
                {"label": m.label, "title": m.title, "link": link_url(m, member.person_id)}
                for m in listed]}  # fmt: skip
            key = f"materials:{programme_id}:{member.person_id}:{today}"
            drafts.append(Draft("materials", member.person, ctx, key, ("materials", member.id)))
    with outbox.transaction():
        return len(queue_many(drafts))


@applier("materials")
def apply_done(ctx: ReplyContext) -> str:
    """Record the materials a participant's reply says are done, and confirm."""
    member = row_by_id(Membership, ctx.object_id)
    if member is None or member.person_id != ctx.person.id or member.role != PARTICIPANT_ROLE:
        raise UnknownObjectError(f"membership {ctx.object_id} does not exist")
    listed = materials(member.programme_id)
    chosen, problems = resolve(read_done(ctx.reply_text, (ctx.person.name,)), listed)
    if not chosen:
        raise AmbiguousReplyError(
            "the reply names no material done", not_understood=[*problems, f"reply {HELP}"][:5]
        )
    with outbox.transaction():
        new = [m for m in chosen if complete(m, ctx.person.id, "reply")]
        recorded = [f"{m.label.capitalize()}: {m.title}: done" for m in chosen]
        outbox.queue_email(
            "confirmation",
            ctx.person,
            {
                "title": "materials done",
                "recorded": recorded,
                "not_understood": problems,
                "late": False,
            },  # fmt: skip
            key=f"inbound:{ctx.message.id}:confirmation",
            about=("materials", member.id),
            in_reply_to=ctx.message.message_id,
        )
    return f"{len(chosen)} materials done ({len(new)} new)"
