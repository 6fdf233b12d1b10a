"""Every actor module, gathered for the worker command: ``dramatiq workers.actors``.

Importing this module sets up the broker (``workers.runtime.broker``), declares every actor
and registers every job handler, reply applier and scheduler sweep.
"""

from workers.followup import (  # noqa: F401
    brief,
    delivery_failures,
    items,
    notes,
    reminders,
    replies,
    summary,
    trigger,
)
from workers.inbound import due as inbound_due  # noqa: F401
from workers.mentoring import assessment_replies, attendance  # noqa: F401
from workers.mentoring import desk, feedback, relay, rsvps  # noqa: F401
from workers.outbound import delivery, due, outbox  # noqa: F401,I001
from workers.runtime import broker, jobs  # noqa: F401  (the broker first, then the actors)
