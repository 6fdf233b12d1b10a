"""Follow-up timings come from the settings: reminders, deadline, brief, item days, next cycle."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from models import Cycle, Job
from tests.followup_data import make_programme
from workers import settings as settings_mod
from workers.followup import next_cycle, trigger
from workers.followup.common import session_of
from workers.followup.items import schedule_item
from workers.settings import ConfigError, load_settings


@pytest.fixture
def timing(db):
    """Change follow-up settings for one test, restoring the previous ones afterwards."""
    before = settings_mod.get()

    def change(**changes):
        return settings_mod.configure(dataclasses.replace(settings_mod.get(), **changes))

    yield change
    settings_mod.configure(dataclasses.replace(settings_mod.get(), **_timings(before)))


def _timings(settings) -> dict:
    names = (
        "reminder_hours",
        "reply_deadline_hours",
        "brief_before_hours",
        "item_reminder_days",
        "next_cycle_weeks",
    )
    return {name: getattr(settings, name) for name in names}


def _run_at(kind: str) -> list[dt.datetime]:
    query = Job.select().where((Job.kind == kind) & (Job.status == "pending"))
    return [job.run_at for job in query.order_by(Job.run_at)]


def test_it_schedules_one_reminder_when_reminder_hours_names_one(timing):
    # Given REMINDER_HOURS=48 and a cycle whose replies are due on 8 Nov at 14:00
    timing(
        reminder_hours=load_settings({"TANDEM_ENV": "dev", "REMINDER_HOURS": "48"}).reminder_hours
    )
    cycle = make_programme()["cycle"]
    assert cycle.reply_deadline == dt.datetime(2026, 11, 8, 14, 0)
    # When it is triggered
    trigger.trigger(cycle.id)
    # Then exactly one reminder is due, 48 hours before the deadline
    assert _run_at("cycle.reminder") == [dt.datetime(2026, 11, 6, 14, 0)]


def test_it_schedules_the_default_reminders_72_and_24_hours_before(timing):
    cycle = make_programme()["cycle"]
    trigger.trigger(cycle.id)
    assert _run_at("cycle.reminder") == [dt.datetime(2026, 11, 5, 14), dt.datetime(2026, 11, 7, 14)]


def test_it_reads_the_deadline_brief_and_item_timings_from_the_settings(timing):
    # Given a 24 h reply deadline, a brief 1 h before and item reminders 2 days before
    timing(reply_deadline_hours=24, brief_before_hours=1, item_reminder_days=(2,))
    world = make_programme()
    cycle = world["cycle"]
    # When the cycle is triggered
    trigger.trigger(cycle.id)
    # Then the deadline, the brief and the item reminders follow them
    assert Cycle.get_by_id(cycle.id).reply_deadline == dt.datetime(2026, 11, 9, 14, 0)
    assert _run_at("cycle.brief") == [dt.datetime(2026, 11, 10, 13, 0)]
    item = world["items"][0]
    schedule_item(item)
    keys = [j.key for j in Job.select().where(Job.key.startswith(f"item:{item.id}:reminder:"))]
    assert keys == [f"item:{item.id}:reminder:2:{item.due_date.isoformat()}"]


def test_it_drafts_the_next_cycle_next_cycle_weeks_later(timing):
    timing(next_cycle_weeks=2)
    cycle = make_programme()["cycle"]
    nxt = next_cycle.draft_next(cycle)
    gap = session_of(nxt).starts_at - session_of(cycle).starts_at
    assert gap == dt.timedelta(weeks=2)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REMINDER_HOURS", "72;24"),
        ("REMINDER_HOURS", "0"),
        ("ITEM_REMINDER_DAYS", "three"),
        ("REPLY_DEADLINE_HOURS", "two"),
        ("BRIEF_BEFORE_HOURS", "-1"),
        ("NEXT_CYCLE_WEEKS", "0"),
    ],
)
def test_it_names_the_timing_variable_with_a_bad_value(name, value):
    with pytest.raises(ConfigError, match=f"^{name} "):
        load_settings({name: value})


def test_it_reads_reminder_lists_largest_first():
    settings = load_settings(
        {"TANDEM_ENV": "dev", "REMINDER_HOURS": "24, 72", "ITEM_REMINDER_DAYS": ""}
    )
    assert settings.reminder_hours == (72, 24)
    assert settings.item_reminder_days == ()
