"""Engagement seen elsewhere in Tandem (replies, RSVPs, bounces), recorded as tracking events.

The reply appliers, the calendar answers and the bounce handling call ``note`` where they
apply what a person sent; it records an event only for a programme's participants (events
are about them alone) and only once per ``ref``, so a message applied twice counts once.
``correct`` records an answer that may change (who attended, a rating) in place of the last.
"""

from __future__ import annotations

import datetime as dt

from models import Event, Membership
from models.tracking import PARTICIPANT_ROLE
from workers.runtime.plainsql import first_where
from workers.tracking import events

#: What a calendar answer's PARTSTAT records.
RSVP_KINDS = {"ACCEPTED": "rsvp_accept", "TENTATIVE": "rsvp_accept", "DECLINED": "rsvp_decline"}


def is_participant(programme_id: int, person_id: int) -> bool:
    """Tell whether a person takes part in a programme as a participant (asked for every
    reply applied: see ``workers.runtime.plainsql`` for what its raw lookup saves)."""
    found = first_where(
        Membership, ["id"], programme=programme_id, person=person_id, role=PARTICIPANT_ROLE
    )
    return found is not None


def note(
    programme_id: int,
    person_id: int,
    kind: str,
    ref: str,
    at: dt.datetime | None = None,
    value: float | None = None,
) -> bool:
    """Record ``kind`` for a participant unless this ``ref`` was recorded; tell if it was."""
    if not is_participant(programme_id, person_id):
        return False
    seen = first_where(Event, ["id"], programme=programme_id, kind=kind, person=person_id, ref=ref)
    if seen is not None:
        return False
    events.record(programme_id, person_id, kind, at, value=value, ref=ref)
    return True


def correct(
    programme_id: int,
    person_id: int,
    kind: str,
    ref: str,
    kinds: tuple[str, ...],
    value: float | None = None,
) -> bool:
    """Record ``kind`` for a participant in place of what ``kinds`` recorded about ``ref``
    before, so a corrected answer counts once; tell if it was recorded."""
    if not is_participant(programme_id, person_id):
        return False
    events.replace(programme_id, person_id, kind, ref, kinds, value=value)
    return True


def note_everywhere(person_id: int, kind: str, ref: str) -> int:
    """Record ``kind`` in every programme the person takes part in; return how many."""
    programmes = Membership.select(Membership.programme).where(
        (Membership.person == person_id) & (Membership.role == PARTICIPANT_ROLE)
    )
    return sum(note(row.programme_id, person_id, kind, ref) for row in programmes)


def note_rsvp(programme_id: int, person_id: int, partstat: str, session_id: int) -> bool:
    """Record a participant's answer to a session invitation (accept or decline)."""
    kind = RSVP_KINDS.get((partstat or "").upper())
    if kind is None:
        return False
    # One event per answer given: a changed answer counts again, the same one does not.
    return note(programme_id, person_id, kind, f"session:{session_id}")
