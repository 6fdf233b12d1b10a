"""Every actor module, gathered for the worker command: ``dramatiq workers.actors``.

Importing this module sets up the broker (``workers.runtime.broker``, which every actor
module imports first), declares every actor and registers every job handler, reply applier
and scheduler sweep.
"""

from workers.assignments import reminders as assignment_reminders  # noqa: F401
from workers.assignments import reviews, submissions  # noqa: F401
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
from workers.mentoring import (  # noqa: F401
    assessment_replies,
    attendance,
    desk,
    feedback,
    relay,
    rsvps,
)
from workers.outbound import attachments, delivery, due, outbox  # noqa: F401
from workers.reports import schedule, sending  # noqa: F401
from workers.runtime import broker, jobs  # noqa: F401
from workers.tracking import (  # noqa: F401
    daily,
    headcount,
    impact,
    interventions,
    material_replies,
    objective_values,
    selfassess,
    survey_replies,
    surveys,
)
