"""The same reply sent again is applied once: a mail client's resend or a second press of Send
arrives under a new Message-ID, so storing by Message-ID does not catch it.

Two replies are the same when they come from the same person about the same object, with the
same trimmed words (spacing and case aside) and the same attachments, within ``WINDOW``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata

from models import AppliedReply, clock
from workers.runtime.plainsql import first_where, insert_row, row_by_id

#: How long a reply's words are remembered: the same words a day later are a new answer.
WINDOW = dt.timedelta(days=1)


def normalised(text: str) -> str:
    """Return ``text`` as compared: Unicode NFKC, case-folded, runs of white space as one."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def reply_digest(
    person_id: int, object_type: str, object_id: int, text: str, attachments=()
) -> str:
    """Return the digest of one person's reply about one object: its words and attachments."""
    digest = hashlib.sha256(f"{person_id}\n{object_type}\n{object_id}\n".encode())
    digest.update(normalised(text).encode())
    for data in sorted(hashlib.sha256(a.data).hexdigest() for a in attachments):
        digest.update(f"\n{data}".encode())
    return digest.hexdigest()


def first_copy(digest: str, message_id: int) -> int | None:
    """Return the message that applied the same reply within ``WINDOW``, or None after
    recording message ``message_id`` as the one that applies it.

    Call it in the transaction that applies the message, so that a rollback forgets it too.
    The first copy costs one statement (written once, see ``plainsql``).
    """
    now = clock.now()
    values = {"digest": digest, "message": message_id, "applied_at": now}
    if insert_row(AppliedReply, values, or_ignore=True) is not None:
        return None
    found = first_where(AppliedReply, ("id", "message", "applied_at"), digest=digest)
    if found.applied_at >= now - WINDOW:
        return found.message_id
    # Said again after the window: a new answer, and the copy later ones are compared with.
    taken = (
        AppliedReply.update(message=message_id, applied_at=now)
        .where((AppliedReply.id == found.id) & (AppliedReply.applied_at == found.applied_at))
        .execute()
    )
    return None if taken else row_by_id(AppliedReply, found.id).message_id
