"""Session notes: ask the facilitator after the session, turn their lines into action items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models import Cycle, Membership, Participant, Person, Session, clock
from workers.followup.common import cycle_url, notes_takers, reachable, session_ctx, session_of
from workers.followup.items import create_item
from workers.grammar.reply import parse_notes
from workers.outbound import outbox
from workers.runtime import jobs

#: Example lines shown in the notes request.
NOTES_EXAMPLE = (
    "Decision: keep the weekly review call",
    "- Refine retention messaging @john@example.org by 2026-12-01",
    "- Draft the onboarding survey @Maria by 2026-12-15",
)

#: Longest notes text kept on the cycle.
MAX_NOTES = 20_000


@dataclass
class NotesOutcome:
    """What a notes reply or web entry did: items created and lines asked back."""

    created: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    decisions: str = ""


def known_people(cycle: Cycle) -> list[Person]:
    """Return everyone the cycle knows by name: its participants and the programme's members."""
    ids = {p.person_id for p in Participant.select().where(Participant.cycle == cycle)}
    ids |= {
        m.person_id for m in Membership.select().where(Membership.programme == cycle.programme_id)
    }
    return list(Person.select().where(Person.id.in_(list(ids)))) if ids else []


def resolve_owner(cycle: Cycle, ref: str) -> tuple[Person | None, str]:
    """Find the person ``ref`` names (an address or a name); return (person, problem)."""
    ref = (ref or "").strip().lstrip("@").strip()
    if not ref:
        return None, "no owner given (add @name or @email)"
    people = known_people(cycle)
    if "@" in ref:
        person = Person.by_email(ref)
        if person is None:
            return None, f"nobody in this cycle has the address {ref}"
        return person, ""
    lowered = ref.lower()
    exact = [p for p in people if p.name.lower() == lowered]
    if len(exact) == 1:
        return exact[0], ""
    first = [p for p in people if p.name.lower().split()[:1] == [lowered]]
    if len(first) == 1 and not exact:
        return first[0], ""
    if len(exact) > 1 or len(first) > 1:
        return None, f"more than one person is called {ref}; use their email address"
    return None, f"nobody in this cycle is called {ref}"


def request_notes(cycle_id: int) -> int:
    """Mark the session held and ask the facilitator for decisions and next steps."""
    cycle = Cycle.get_or_none(Cycle.id == cycle_id)
    if cycle is None or cycle.status != "triggered":
        return 0
    session = session_of(cycle)
    with outbox.transaction():
        Cycle.update(status="held").where(Cycle.id == cycle.id).execute()
        Session.update(status="held").where(Session.id == session.id).execute()
        count = 0
        for person in reachable(notes_takers(cycle)):
            ctx = {
                "cycle": {"id": cycle.id, "title": cycle.title},
                "session": session_ctx(session, person.timezone or session.timezone),
                "example": list(NOTES_EXAMPLE),
                "names": [p.name for p in known_people(cycle)][:50],
                "url": cycle_url(cycle.id),
            }
            outbox.queue_email(
                "notes-request",
                person,
                ctx,
                key=f"cycle:{cycle.id}:notes:{person.id}",
                about=("notes", cycle.id),
            )
            count += 1
    return count


def apply_notes(
    cycle: Cycle, text: str, *, by: Person | None, source: str = "email"
) -> NotesOutcome:
    """Create an action item for every complete line and keep the rest as the decisions."""
    zone = by.timezone if by else "UTC"
    today = clock.now().replace(tzinfo=dt.UTC).astimezone(_zone(zone)).date()
    new_items, remaining = parse_notes(text, timezone=zone, today=today)
    outcome = NotesOutcome(decisions=(remaining or "").strip())
    with outbox.transaction():
        for new in new_items:
            owner, problem = resolve_owner(cycle, new.owner_ref or "")
            problems = list(new.problems or []) + ([problem] if problem else [])
            if new.due is None and not new.problems:
                problems.append("no due date (add 'by YYYY-MM-DD')")
            if problems:
                outcome.questions.append(f"{new.line.strip()} — {'; '.join(problems)}")
                continue
            create_item(
                cycle.programme_id,
                new.title,
                owner,
                new.due,
                cycle_id=cycle.id,
                by=by,
                source=source,
            )
            outcome.created.append(f"{new.title} — {owner.name}, due {new.due.isoformat()}")
        kept = [outcome.decisions] if outcome.decisions else []
        kept += [f"- {line}" for line in outcome.created]
        if not kept:
            return outcome
        fresh = Cycle.get_by_id(cycle.id)
        fresh.notes = ((fresh.notes + "\n") if fresh.notes else "") + "\n".join(kept)
        fresh.notes = fresh.notes[-MAX_NOTES:]
        fresh.save(only=[Cycle.notes])
    return outcome


def _zone(name: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@jobs.handler("cycle.notes_request")
def run_notes_request(payload: dict) -> None:
    """Ask the facilitator for the session's decisions and next steps."""
    request_notes(payload["cycle_id"])
