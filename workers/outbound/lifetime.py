"""How long an email is worth trying to deliver, and what happens once it is not.

A relay that answers 4xx, refuses the connection or times out makes Tandem try again with
backoff (30 s, 2 min, 10 min, 30 min, then hourly, and more often as the deadline nears) for
as long as the email matters, as an MTA keeps a message for days (Postfix's default queue
lifetime is 5 days):

- an invitation, its cancellation, the update request, a reminder and the brief: until
  their session starts, however far away that is;
- every other email (a summary, a confirmation, a notice): ``LIFETIME`` after it was queued.

Then the row is failed with why, and the coordinators hear of it: the cycle page lists the
cycle's failed emails, and a job (``NOTICE_JOB``, handled where programmes and their
coordinators are known) sends one notice per ``NOTICE_WINDOW`` listing every failure in it.
"""

from __future__ import annotations

import datetime as dt

from models import AuditEvent, OutboundEmail, Session, clock
from workers.outbound.relay import TemporaryFailure, Unconfirmed
from workers.runtime import jobs

#: Wait after a temporary failure, by attempt number (the last one repeats).
BACKOFF = [dt.timedelta(seconds=s) for s in (30, 120, 600, 1800, 3600)]

#: Near its deadline an email is tried more often: no wait after a refusal is longer than this
#: share of the time left (nor shorter than the first backoff step). An invitation queued two
#: hours before its session, and refused each time, is tried 21 times before the session
#: starts instead of 6; with a relay refusing one try in five at random, as the chaos run's
#: does, six refusals in a row happen to one email in 15,625, 21 to none.
NEAR_DEADLINE = 0.25

#: How long an email not tied to a session is tried (Postfix's maximal_queue_lifetime).
LIFETIME = dt.timedelta(days=5)

#: Wait after a send whose answer was lost: the relay may have the email, and a second copy
#: at once would surely be a duplicate.
UNCONFIRMED_PAUSE = dt.timedelta(minutes=10)

#: Kinds of email that matter only until their session starts.
SESSION_KINDS = frozenset(
    {"invite", "invite-cancel", "update-request", "reminder", "brief", "mentoring-orientation"}
)

#: The job that tells coordinators which emails failed, and the span each one covers.
NOTICE_JOB = "email.failures"
NOTICE_WINDOW = dt.timedelta(minutes=15)

#: The audit verb of a failed email; ``data["notify"]`` marks those coordinators hear of.
FAILED_VERB = "email.failed"

#: Emails that tell coordinators of failures; their own failures are not noticed again.
NOTICE_KIND = "delivery-failed"


def session_start(row: OutboundEmail) -> dt.datetime | None:
    """Return when the session an email is about starts, or None when it is about none."""
    if row.object_id is None or row.object_type not in ("session", "cycle"):
        return None
    match = Session.id if row.object_type == "session" else Session.cycle
    session = (
        Session.select(Session.starts_at)
        .where(match == row.object_id)
        .order_by(Session.starts_at)
        .first()
    )
    return session.starts_at if session else None


def deadline(row: OutboundEmail) -> dt.datetime:
    """Return the moment after which the email is not worth trying any more."""
    starts = session_start(row) if row.kind in SESSION_KINDS else None
    return starts if starts is not None else row.created_at + LIFETIME


def next_try(row: OutboundEmail, error: TemporaryFailure) -> dt.datetime | None:
    """Return when to try a row again after ``error``, or None when it is time to give up."""
    now = clock.now()
    until = deadline(row)
    if now >= until:
        return None
    if isinstance(error, Unconfirmed):
        wait = UNCONFIRMED_PAUSE
    else:
        wait = BACKOFF[min(max(row.attempts, 1), len(BACKOFF)) - 1]
        wait = min(wait, max(BACKOFF[0], (until - now) * NEAR_DEADLINE))
    return min(now + wait, until)


def gave_up(row: OutboundEmail, error: TemporaryFailure) -> str:
    """Return why a row is given up on, for its ``last_error`` and the coordinators."""
    return f"gave up at {deadline(row):%Y-%m-%d %H:%M} UTC, when it stopped mattering: {error}"


def notify_later() -> None:
    """Make sure a notice of this window's failures goes out when the window ends."""
    now = clock.now()
    start = now - (now - dt.datetime.min) % NOTICE_WINDOW
    end = start + NOTICE_WINDOW
    jobs.schedule(
        NOTICE_JOB,
        f"email-failures:{start:%Y%m%dT%H%M}",
        end,
        since=start.isoformat(),
        until=end.isoformat(),
    )


def failed_between(since: dt.datetime, until: dt.datetime) -> list[OutboundEmail]:
    """Return the emails that failed in ``[since, until)`` and coordinators should hear of."""
    events = AuditEvent.select(AuditEvent.object_id, AuditEvent.data).where(
        (AuditEvent.verb == FAILED_VERB)
        & (AuditEvent.object_type == "OutboundEmail")
        & (AuditEvent.at >= since)
        & (AuditEvent.at < until)
    )
    ids = {e.object_id for e in events if (e.data or {}).get("notify")}
    if not ids:
        return []
    return list(
        OutboundEmail.select()
        .where(
            OutboundEmail.id.in_(sorted(ids))
            & (OutboundEmail.status == "failed")
            & (OutboundEmail.kind != NOTICE_KIND)
        )
        .order_by(OutboundEmail.id)
    )
