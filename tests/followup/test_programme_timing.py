"""A programme's own timings drive its cycles; where it sets none, the settings do."""

from __future__ import annotations

import datetime as dt

from models import Cycle, Job
from tests.followup_data import make_programme
from workers.followup import schedule, setup, trigger
from workers.followup.common import session_of
from workers.followup.items import schedule_item
from workers.workspace.programmes import edit_programme


def _run_at(kind: str) -> list[dt.datetime]:
    query = Job.select().where((Job.kind == kind) & (Job.status == "pending"))
    return [job.run_at for job in query.order_by(Job.run_at)]


def test_it_reminds_and_summarises_by_the_programmes_own_timings(db):
    # Given a programme that reminds 12 hours before the deadline and summarises within 6 hours
    world = make_programme()
    edit_programme(world["programme"], reminder_hours="12", summary_within_hours=6)
    cycle = world["cycle"]
    # When its cycle is triggered
    trigger.trigger(cycle.id)
    # Then one reminder is due 12 hours before the 8 Nov 14:00 deadline
    assert _run_at("cycle.reminder") == [dt.datetime(2026, 11, 8, 2, 0)]
    # And the summary is due 6 hours after the session ends at 15:00
    assert _run_at("cycle.summary") == [dt.datetime(2026, 11, 10, 21, 0)]
    assert schedule.summary_due(session_of(cycle)) == dt.datetime(2026, 11, 10, 21, 0)


def test_it_sets_the_default_deadline_by_the_programmes_reply_deadline_hours(db):
    world = make_programme()
    edit_programme(world["programme"], reply_deadline_hours=6)
    spec = setup.CycleSpec(
        title="Second review",
        starts_at=dt.datetime(2026, 12, 1, 14, 0),
        ends_at=dt.datetime(2026, 12, 1, 15, 0),
        timezone="Europe/London",
        stakeholders=[setup.StakeholderSpec(person_id=world["people"]["john"].id)],
    )
    cycle = setup.create_cycle(world["programme"], spec)
    assert Cycle.get_by_id(cycle.id).reply_deadline == dt.datetime(2026, 12, 1, 8, 0)


def test_it_reminds_item_owners_by_the_programmes_item_reminder_days(db):
    world = make_programme()
    edit_programme(world["programme"], item_reminder_days="5,2")
    item = world["items"][0]
    schedule_item(item)
    keys = sorted(
        j.key for j in Job.select().where(Job.key.startswith(f"item:{item.id}:reminder:"))
    )
    due = item.due_date.isoformat()
    assert keys == [f"item:{item.id}:reminder:2:{due}", f"item:{item.id}:reminder:5:{due}"]


def test_it_goes_back_to_the_settings_when_a_timing_is_cleared(db):
    world = make_programme()
    edit_programme(world["programme"], reminder_hours="12")
    edit_programme(world["programme"], reminder_hours="")
    trigger.trigger(world["cycle"].id)
    assert _run_at("cycle.reminder") == [dt.datetime(2026, 11, 5, 14), dt.datetime(2026, 11, 7, 14)]
