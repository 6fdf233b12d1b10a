"""Demo assignments for the prefects' programme: work handed in on time, late and not at all,
a facilitator's review, and a quiz that goes out by email when the demo loads.

A newcomer then sees the assignments page with its counts and on-time rate, an overdue
prefect on the at-risk list, and, in the dev mailbox, the quiz to answer with "reply as this
person" ("1 b, 2 true, 3 listen") to get a score back.
"""

from __future__ import annotations

import datetime as dt

from models import (
    Assignee,
    Assignment,
    AssignmentOptions,
    Membership,
    Person,
    Programme,
    Review,
    Submission,
    clock,
)
from workers.assignments.setting import create_assignment
from workers.tracking.events import record_submission

#: The mentor who also reviews the programme's submissions.
FACILITATOR = "priya.shah@example.org"

#: Past work: title, kind, days ago it fell due, then per mentee (by position) the hours
#: before (+) or after (-) the due time they handed it in, or None when they have not.
PAST = [
    ("Case study: the corridor argument", "case-study", 5, [30, 4, -20, None, 50]),
    ("Self-assessment: leading a tutor group", "self-assessment", 2, [10, None, 2, None, 26]),
]

#: What the prefects wrote, in turn.
ANSWERS = [
    "I would separate them, hear each side away from the corridor, and agree what happens next.",
    "Calm the group first, then ask a teacher to join the conversation with both students.",
    "Sorry this is late. I would speak to both students and write down what each one said.",
]

#: The quiz set when the demo loads, with its answer key.
QUIZ = {
    "title": "Quiz: safeguarding basics",
    "kind": "quiz",
    "instructions": "1. Who do you tell first? a) a friend b) the safeguarding lead\n"
    "2. True or false: you never promise to keep a secret.\n"
    "3. What is the first thing you do when a student talks to you? (one word)",
    "answer_key": "1. b 2. true 3. listen",
    "reminder_days": "2,1",
}


def load(programme: Programme) -> None:
    """Add a facilitator, past assignments with submissions and a review, and a quiz sent now."""
    facilitator = Person.get_or_none(Person.email == FACILITATOR)
    if facilitator is not None:
        Membership.get_or_create(programme=programme, person=facilitator, role="facilitator")
    mentees = list(
        Person.select()
        .join(Membership, on=(Membership.person == Person.id))
        .where((Membership.programme == programme) & (Membership.role == "mentee"))
        .order_by(Person.id)
    )
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    for title, kind, days_ago, handed_in in PAST:
        due = now.replace(hour=17) - dt.timedelta(days=days_ago)
        work = Assignment.create(
            programme=programme, title=title, kind=kind, due_at=due,
            created_at=due - dt.timedelta(days=7),
        )  # fmt: skip
        AssignmentOptions.create(assignment=work, sent_at=work.created_at)
        Assignee.set_for(work, [m.id for m in mentees])
        answers = iter(ANSWERS)
        for mentee, hours in zip(mentees, handed_in, strict=False):
            if hours is not None:
                at = due - dt.timedelta(hours=hours)
                record_submission(work, mentee.id, at, next(answers, "My answer is attached."))
    _review(facilitator)
    due = (now + dt.timedelta(days=7)).date().isoformat()
    create_assignment(programme, {**QUIZ, "due": due})


def _review(facilitator: Person | None) -> None:
    """Record the facilitator's review of the first submission, as the page would."""
    first = Submission.select().order_by(Submission.id).first()
    if first is None:
        return
    feedback = "Clear steps, and you kept both students safe. Next time, note who you told."
    Review.create(
        submission=first, reviewer=facilitator, score=8, out_of=10, feedback=feedback,
        source="web",
    )  # fmt: skip
    Submission.update(score=8, feedback=feedback).where(Submission.id == first.id).execute()
