"""The demo's materials and self-assessment, and the prefect the first daily pass flags."""

from __future__ import annotations

import datetime as dt

from models import MaterialCompletion, OutboundEmail, Programme, RiskFlag, clock
from workers.dev import demo
from workers.tracking import selfassess
from workers.tracking.daily import run_daily
from workers.tracking.materials import completion_rates


def test_the_first_daily_pass_flags_the_silent_prefect_and_asks_for_help(db):
    clock.freeze(dt.datetime(2026, 11, 18, 9, 0))
    demo.load()
    programme = Programme.get(Programme.name == demo.MENTORING_NAME)

    # The page's figures: three materials, one done; four competences
    rates = completion_rates(programme.id)
    assert [r["label"] for r in rates] == ["module 1", "reading 1", "video 1"]
    assert rates[0]["done"] == 1 and MaterialCompletion.select().count() == 1
    assert len(selfassess.competences(programme.id)) == 4

    # When the first daily pass runs
    done = run_daily(programme.id)

    # Then one prefect is flagged, with silence and overdue work, and someone is asked
    flags = list(RiskFlag.select().where(RiskFlag.programme == programme))
    assert done["raised"] == len(flags) == 1
    words = [reason["words"] for reason in flags[0].reasons]
    assert any(w.startswith("nothing heard since joining") for w in words)
    assert any(w.startswith("2 assignments overdue") for w in words)
    assert OutboundEmail.select().where(OutboundEmail.kind == "intervention-flag").count() == 1
    assert flags[0].intervention_by is not None
