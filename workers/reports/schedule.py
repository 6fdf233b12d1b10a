"""When personal reports go out: a per-programme rhythm, run as jobs on the scheduler.

A round is one job at the programme's next report time. It awards the badges newly earned,
then schedules one job per batch of participants (``sending``) and, for the team, one
digest, and schedules the next round. Every job has a key made of the programme and the
round's time, so running a round twice sends nothing twice.
"""

from __future__ import annotations

import datetime as dt

from models import Membership, Programme, ReportSchedule, clock
from models.tracking import PARTICIPANT_ROLE
from workers.outbound import outbox
from workers.reports import recognition
from workers.reports.errors import BadSchedule, NoSuchProgramme
from workers.runtime import jobs

#: Job kinds: a round, one batch of personal reports, the team's digest.
ROUND_JOB, BATCH_JOB, DIGEST_JOB = "reports.round", "reports.batch", "reports.digest"

#: Participants per batch job (one job builds their PDFs and queues their emails).
BATCH_SIZE = 200

#: Longest rhythm, in weeks.
MAX_WEEKS = 52


def stamp(at: dt.datetime) -> str:
    """Return a round's time as it appears in job and email keys."""
    return at.strftime("%Y%m%dT%H%M")


def set_schedule(
    programme_id: int, every_weeks: int, to_team: bool = True, first_at: dt.datetime | None = None
) -> ReportSchedule:
    """Send a programme's personal reports every ``every_weeks`` weeks (0 stops them),
    first at ``first_at`` (or one rhythm from now); return the schedule."""
    if not 0 <= every_weeks <= MAX_WEEKS:
        raise BadSchedule(f"reports go out every 0 to {MAX_WEEKS} weeks, not {every_weeks}")
    if Programme.get_or_none(Programme.id == programme_id) is None:
        raise NoSuchProgramme(f"no programme with id {programme_id}")
    now = clock.now()
    next_at = None
    if every_weeks:
        next_at = (first_at or now + dt.timedelta(weeks=every_weeks)).replace(
            second=0, microsecond=0
        )
    with outbox.transaction():
        row = ReportSchedule.get_or_none(ReportSchedule.programme == programme_id)
        if row is None:
            row = ReportSchedule(programme=programme_id)
        row.every_weeks, row.to_team, row.next_at, row.updated_at = (
            every_weeks,
            to_team,
            next_at,
            now,
        )
        row.save()
        jobs.cancel(f"reports:{programme_id}:round:")
        if next_at is not None:
            _schedule_round(programme_id, next_at)
    return row


def _schedule_round(programme_id: int, at: dt.datetime) -> None:
    key = f"reports:{programme_id}:round:{stamp(at)}"
    jobs.schedule(ROUND_JOB, key, at, programme_id=programme_id, at=at.isoformat())


def participant_ids(programme_id: int) -> list[int]:
    """Return the programme's participants' ids, in order."""
    query = (
        Membership.select(Membership.person)
        .where((Membership.programme == programme_id) & (Membership.role == PARTICIPANT_ROLE))
        .order_by(Membership.person)
    )
    return [row.person_id for row in query]


def run_round(programme_id: int, at: dt.datetime) -> int:
    """Run one round if it is still the one scheduled: award badges, schedule the batches,
    the digest and the next round; return how many batches it scheduled."""
    row = ReportSchedule.get_or_none(ReportSchedule.programme == programme_id)
    if row is None or not row.every_weeks or row.next_at != at:
        return 0  # the schedule changed since this round was set
    key = f"reports:{programme_id}:{stamp(at)}"
    ids = participant_ids(programme_id)
    with outbox.transaction():
        recognition.recognise(programme_id, at)
        batches = [ids[i : i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE)]
        for number, batch in enumerate(batches):
            jobs.schedule(BATCH_JOB, f"{key}:batch:{number}", at, programme_id=programme_id,
                          at=at.isoformat(), person_ids=batch, to_team=row.to_team)  # fmt: skip
        if row.to_team and ids:
            jobs.schedule(DIGEST_JOB, f"{key}:digest", at, programme_id=programme_id,
                          at=at.isoformat())  # fmt: skip
        following = at + dt.timedelta(weeks=row.every_weeks)
        ReportSchedule.update(next_at=following).where(ReportSchedule.id == row.id).execute()
        _schedule_round(programme_id, following)
    return len(batches)


@jobs.handler(ROUND_JOB)
def round_job(payload: dict) -> None:
    """Run a programme's report round."""
    run_round(payload["programme_id"], dt.datetime.fromisoformat(payload["at"]))
