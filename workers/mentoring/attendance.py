"""The facilitator's one-line confirmation of who attended an orientation.

When the session has ended the facilitator gets the numbered list of invited mentors and
answers with one line: ``all``, ``none``, the numbers of those who came (``1, 3, 4``), or
``all except 2``. Those named are marked as attended, the others as not.
"""

from __future__ import annotations

import re

from models import Orientation, clock
from workers.inbound.appliers import ReplyContext, applier
from workers.inbound.errors import AmbiguousReplyError, UnknownObjectError
from workers.mentoring.orientation import CONFIRM_JOB, attendance, record_attendance
from workers.outbound import outbox
from workers.outbound.invites import describe_time
from workers.runtime import jobs
from workers.runtime.plainsql import row_by_id

#: Words meaning "everyone listed came".
ALL_WORDS = ("all", "everyone", "everybody", "all attended", "all came", "yes", "confirmed")

#: Words meaning "nobody came".
NONE_WORDS = ("none", "nobody", "no one", "noone")

#: ``all except 2, 5`` (also "all but", "everyone except").
EXCEPT_RE = re.compile(r"^(?:all|everyone|everybody)\s+(?:except|but)\s+(?P<numbers>.+)$")

#: A list of numbers, optionally after "attended:" or "came:".
NUMBERS_RE = re.compile(r"^(?:(?:attended|came|present)\s*:?\s*)?(?P<numbers>[\d,;\s&and]+)$")


class ConfirmationError(ValueError):
    """The confirmation line names nobody clearly."""


def _numbers(text: str, count: int) -> set[int]:
    numbers = {int(n) for n in re.findall(r"\d+", text)}
    wrong = sorted(n for n in numbers if not 1 <= n <= count)
    if wrong or not numbers:
        raise ConfirmationError(f"{text!r}: use numbers from 1 to {count}")
    return numbers


def parse_confirmation(text: str, count: int) -> set[int]:
    """Return the numbers (1-based) of the mentors the line says attended."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    said = " ".join(line.lower().rstrip(".!").split())
    if said in ALL_WORDS:
        return set(range(1, count + 1))
    if said in NONE_WORDS:
        return set()
    found = EXCEPT_RE.match(said)
    if found:
        return set(range(1, count + 1)) - _numbers(found.group("numbers"), count)
    found = NUMBERS_RE.match(said)
    if found:
        return _numbers(found.group("numbers"), count)
    raise ConfirmationError(f"{line[:200]!r}: answer all, none, numbers (1, 3) or all except 2")


def send_confirm_request(orientation_id: int) -> bool:
    """Ask the facilitator who attended; return False if already asked or nobody to ask."""
    orientation = Orientation.get_or_none(Orientation.id == orientation_id)
    if orientation is None or orientation.facilitator_id is None:
        return False
    facilitator = orientation.facilitator
    rows = attendance(orientation)
    if orientation.confirm_sent_at is not None or not rows or not facilitator.can_receive_email:
        return False
    session = orientation.session
    ctx = {
        "programme": orientation.programme.name,
        "title": session.title,
        "when": describe_time(session.starts_at, session.ends_at, facilitator.timezone),
        "mentors": [
            {"number": n, "name": row["person"].name, "rsvp": row["partstat"].lower()}
            for n, row in enumerate(rows, 1)
        ],
    }
    with outbox.transaction():
        Orientation.update(confirm_sent_at=clock.now()).where(
            Orientation.id == orientation.id
        ).execute()
        outbox.queue_email(
            "mentoring-orientation-confirm",
            facilitator,
            ctx,
            key=f"orientation:{orientation.id}:confirm",
            about=("orientation", orientation.id),
        )
    return True


@jobs.handler(CONFIRM_JOB)
def run_confirm_request(payload: dict) -> None:
    """Ask the facilitator who attended the orientation that has just ended."""
    send_confirm_request(payload["orientation_id"])


@applier("orientation")
def apply_confirmation(ctx: ReplyContext) -> str:
    """Record who attended from the facilitator's one-line answer, and confirm it."""
    orientation = row_by_id(Orientation, ctx.object_id)
    if orientation is None or orientation.facilitator_id != ctx.person.id:
        raise UnknownObjectError(f"orientation {ctx.object_id} does not exist")
    rows = attendance(orientation)
    try:
        came = parse_confirmation(ctx.reply_text, len(rows))
    except ConfirmationError as exc:
        raise AmbiguousReplyError(
            "the attendance line names nobody clearly", understood=[], not_understood=[str(exc)]
        ) from None
    marks = {row["person"].id: n in came for n, row in enumerate(rows, 1)}
    with outbox.transaction():
        changed = record_attendance(orientation, marks, f"person:{ctx.person.id}")
        recorded = [
            f"{row['person'].name}: {'attended' if n in came else 'did not attend'}"
            for n, row in enumerate(rows, 1)
        ]
        outbox.queue_email(
            "confirmation",
            ctx.person,
            {
                "title": orientation.session.title,
                "recorded": recorded,
                "not_understood": [],
                "late": False,
            },
            key=f"inbound:{ctx.message.id}:confirmation",
            about=("orientation", orientation.id),
            in_reply_to=ctx.message.message_id,
        )
    return f"{len(came)} of {len(rows)} attended; {changed} records changed"
