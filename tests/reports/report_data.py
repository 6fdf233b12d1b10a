"""A small workshop for the report tests, checked by hand (see ``workshop``)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from models import Goal, Membership, Person, Submission
from tests.tracking.builders import assignment, day, events, mentor, participant, programme
from workers.tracking.events import record_submission

#: When the reports are built: day 21 (Monday of the fourth week).
NOW = day(21)

#: A name that must print as written, never run or be read as markup.
HOSTILE = "<script>alert(1)</script> Zoë"


def workshop() -> dict:
    """Build the workshop.

    Zoë (hostile name): a1 day 5 (on time), a2 day 16 (late, feedback "Clear plan", 8),
        a3 due day 28 (upcoming); attended days 2, 9, 16, missed day 12; satisfaction 4 and 5;
        replies days 15 and 18; goals "Lead assembly" 60% active and "Run a club" achieved.
    Bob: nothing submitted (a1, a2 overdue); missed day 2; no goals.
    Mia mentors both; Fay facilitates.
    """
    prog = programme()
    zoe = Person.create(name=HOSTILE, email="zoe@example.org")
    Membership.create(programme=prog, person=zoe, role="mentee")
    bob = participant(prog, "Bob")
    mia = mentor(prog, "Mia", [zoe, bob])
    fay = Person.create(name="Fay", email="fay@example.org")
    Membership.create(programme=prog, person=fay, role="facilitator")
    a1, a2, a3 = (assignment(prog, f"Task {n}", day(7 * n), [zoe, bob]) for n in (1, 2, 4))
    record_submission(a1, zoe.id, day(5))
    record_submission(a2, zoe.id, day(16))
    Submission.update(feedback="Clear plan", score=8).where(
        (Submission.assignment == a2) & (Submission.person == zoe)
    ).execute()
    events(prog, zoe, "attendance", [2, 9, 16])
    events(prog, zoe, "absence", [12])
    events(prog, zoe, "satisfaction", [3], 4)
    events(prog, zoe, "satisfaction", [10], 5)
    events(prog, zoe, "reply", [15, 18])
    events(prog, bob, "absence", [2])
    Goal.create(programme=prog, person=zoe, text="Lead assembly", progress=60)
    Goal.create(programme=prog, person=zoe, text="Run a club", progress=100, status="achieved")
    return {"programme": prog, "zoe": zoe, "bob": bob, "mia": mia, "fay": fay,
            "assignments": (a1, a2, a3)}  # fmt: skip


def pdf_text(data: bytes) -> str:
    """Return the text of every page of a PDF, opened again from its bytes."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)
