"""Files sent with outbox emails, and how long Tandem keeps them.

A personal progress report (about 23 KB of PDF per participant and round), a certificate or a
file a mentor passed on through the pair's relay address is stored with its email until the
relay has it. Once sent, its bytes serve nobody: a sent email is never built again, and the
person has their copy. So ``KEEP_FILES`` after an email went out, its files are deleted; the
email's row, with its text and the names of the files it carried, stays.

Attaching a file makes sure a cleaning job exists for the day its files can go (one job per
such day, ``CLEAN_JOB``), so nothing runs on days when there is nothing to clean.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from models import EmailAttachment, Job, OutboundEmail, clock
from workers.runtime import jobs

logger = logging.getLogger(__name__)

#: How long the files of a sent email are kept after it went out.
KEEP_FILES = dt.timedelta(days=30)

#: The job kind that deletes the files of emails sent more than ``KEEP_FILES`` ago.
CLEAN_JOB = "outbound.clean-files"

#: A file to attach: its name, its content type and its bytes.
File = tuple[str, str, bytes]


def attach_once(email: OutboundEmail, files: Callable[[], list[File]]) -> bool:
    """Attach ``files()`` to an outbox email unless it has files already (the email was
    queued before, its key being the same); return whether they were attached.

    ``files`` is called only when needed, so a certificate or PDF is not made twice.
    """
    if EmailAttachment.select().where(EmailAttachment.email == email.id).exists():
        return False
    made = files()
    for filename, content_type, data in made:
        EmailAttachment.create(
            email=email.id, filename=filename, content_type=content_type, data=data
        )
    if made:
        clean_on((email.created_at or clock.now()) + KEEP_FILES)
    return bool(made)


def clean_on(when: dt.datetime) -> None:
    """Make sure a cleaning job runs at 23:00 (UTC) on ``when``'s day; files not old enough
    by then are looked at again the next day."""
    day = when.date()
    key = f"outbound-clean-files:{day.isoformat()}"
    if not Job.select().where(Job.key == key).exists():
        run_at = dt.datetime.combine(day, dt.time(23))
        jobs.insert(CLEAN_JOB, key, run_at, {})


def forget_sent_files(now: dt.datetime) -> tuple[int, int]:
    """Delete the files of emails sent, or given up on, more than ``KEEP_FILES`` before
    ``now``.

    Returns (files deleted, files of emails queued before the cutoff that are kept: on their
    way still, or sent less than ``KEEP_FILES`` ago); those are looked at again the next day.
    """
    cutoff = now - KEEP_FILES
    done = ((OutboundEmail.status == "sent") & (OutboundEmail.sent_at <= cutoff)) | (
        (OutboundEmail.status == "failed") & (OutboundEmail.created_at <= cutoff)
    )
    finished = OutboundEmail.select(OutboundEmail.id).where(done)
    deleted = EmailAttachment.delete().where(EmailAttachment.email.in_(finished)).execute()
    waiting = (
        EmailAttachment.select()
        .join(OutboundEmail)
        .where(OutboundEmail.created_at <= cutoff)
        .count()
    )
    return deleted, waiting


@jobs.handler(CLEAN_JOB)
def clean_files(payload: dict) -> None:
    """Delete the files of emails finished long enough ago; look again tomorrow for the rest."""
    now = clock.now()
    deleted, waiting = forget_sent_files(now)
    logger.info("deleted %s files of emails sent before %s", deleted, now - KEEP_FILES)
    if waiting:
        clean_on(now + dt.timedelta(days=1))
