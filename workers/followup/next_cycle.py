"""Draft the next follow-up when a summary goes out, with the open items carried over."""

from __future__ import annotations

import datetime as dt

from models import Cycle
from workers import settings as settings_mod
from workers.followup import schedule
from workers.followup.common import session_of
from workers.followup.setup import clone_cycle

#: An automatic trigger, when the programme wants one, this long before the next session.
AUTO_TRIGGER_BEFORE = dt.timedelta(days=7)


def next_after() -> dt.timedelta:
    """Return the default distance from one follow-up to the next (NEXT_CYCLE_WEEKS)."""
    return dt.timedelta(weeks=settings_mod.get().next_cycle_weeks)


def draft_next(cycle: Cycle, after: dt.timedelta | None = None) -> Cycle:
    """Return the cycle drafted after ``cycle`` (creating it once).

    Open action items belong to the programme, so the next cycle carries them over by itself.
    """
    existing = Cycle.select().where(Cycle.previous == cycle).order_by(Cycle.id).first()
    if existing is not None:
        return existing
    nxt = clone_cycle(cycle, after if after is not None else next_after())
    if cycle.auto_trigger_at is not None:
        nxt.auto_trigger_at = session_of(nxt).starts_at - AUTO_TRIGGER_BEFORE
        nxt.save(only=[Cycle.auto_trigger_at])
        schedule.schedule_auto_trigger(nxt)
    return nxt
