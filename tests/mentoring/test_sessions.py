"""Recurring sessions: the slot, the RRULE, DST in two zones, updates and cancellations."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events

from models import Job, Occurrence, OutboundEmail, Session, SessionSeries, clock
from tests.mentoring.pair_data import calendar_of, make_pair, sent, text_of
from workers.mentoring import occurrences, sessions
from workers.mentoring.slots import Person, find_slot

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


@pytest.fixture
def pair(db):
    return make_pair()


def local_times(cal, zone) -> list[str]:
    """Expand an invitation the way a calendar client does; return each start in ``zone``."""
    start = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    events = recurring_ical_events.of(cal).between(start, start + dt.timedelta(days=400))
    return [f"{e['DTSTART'].dt.astimezone(zone):%d %b %H:%M}" for e in events]


def test_a_slot_that_stays_inside_both_availabilities_through_dst_is_chosen(db):
    # Given windows that overlap for two hours: some hour stays inside both all spring
    maya = Person("Maya", "Mon 16:00-18:00", "Europe/London")
    ben = Person("Ben", "Mon 11:00-13:00", "America/New_York")
    slot = find_slot([maya, ben], 60, "biweekly", 6, dt.datetime(2027, 3, 1))
    # Then every occurrence lies inside both, in the weeks between the two changes too
    assert slot.outside == {}
    for start in slot.starts:
        london = start.replace(tzinfo=dt.UTC).astimezone(LONDON)
        new_york = start.replace(tzinfo=dt.UTC).astimezone(NEW_YORK)
        assert 16 <= london.hour < 18 and 11 <= new_york.hour < 13
    assert len(slot.starts) == 6


def test_where_no_slot_stays_inside_the_dates_outside_are_named(db):
    maya = Person("Maya", "Mon 16:00-17:00", "Europe/London")
    ben = Person("Ben", "Mon 11:00-12:00", "America/New_York")
    slot = find_slot([maya, ben], 60, "biweekly", 6, dt.datetime(2027, 3, 1))
    # 15 March: New York has moved, London not yet; one of them is outside
    assert list(slot.outside) == [dt.datetime(2027, 3, 15, 16, 0)] or list(slot.outside) == [
        dt.datetime(2027, 3, 15, 15, 0)
    ]
    assert len(slot.starts) == 6


def test_the_pair_gets_one_series_with_an_rrule_in_each_persons_time(pair):
    series = sessions.schedule_pair(pair["group"].id)
    assert sessions.schedule_pair(pair["group"].id) == series  # once only
    assert series.rrule == "FREQ=WEEKLY;INTERVAL=2;COUNT=6"
    maya_row, ben_row = (
        sent("mentoring-series", "maya@example.org"),
        sent("mentoring-series", "ben@example.org"),
    )
    assert len(maya_row) == len(ben_row) == 1
    cal_maya, cal_ben = calendar_of(maya_row[0]), calendar_of(ben_row[0])
    event = next(iter(cal_maya.walk("VEVENT")))
    assert str(event["UID"]) == series.session.uid == str(next(iter(cal_ben.walk("VEVENT")))["UID"])
    assert event["DTSTART"].params["TZID"] == series.session.timezone
    assert str(event["RRULE"].to_ical().decode()) == "FREQ=WEEKLY;COUNT=6;INTERVAL=2"
    assert sorted(str(a).lower() for a in event["ATTENDEE"]) == [
        "mailto:ben@example.org",
        "mailto:maya@example.org",
    ]
    # Each reads their own local time, and the week the clocks disagree is named
    assert "16:00–17:00" in text_of(maya_row[0]) and "(Europe/London)" in text_of(maya_row[0])
    ben_text = text_of(ben_row[0])
    assert "11:00–12:00" in ben_text and "America/New_York" in ben_text
    assert "outside the availability of" in ben_text
    assert "change their clocks on different dates" in ben_text


def test_the_series_expands_across_dst_in_both_zones_as_the_rows_say(pair):
    series = sessions.schedule_pair(pair["group"].id)
    cal = calendar_of(sent("mentoring-series", "ben@example.org")[0])
    rows = list(series.occurrences.order_by(Occurrence.starts_at))
    assert len(rows) == 6
    expanded = local_times(cal, dt.UTC)
    assert expanded == [f"{o.starts_at:%d %b %H:%M}" for o in rows]
    # Written in London: London keeps 16:00; New York moves for the weeks between changes
    if series.session.timezone == "Europe/London":
        assert set(t[-5:] for t in local_times(cal, LONDON)) == {"16:00"}
        assert local_times(cal, NEW_YORK)[1].endswith("12:00")
    else:
        assert set(t[-5:] for t in local_times(cal, NEW_YORK)) == {"11:00"}
        assert local_times(cal, LONDON)[1].endswith("15:00")


def test_each_occurrence_has_its_jobs(pair):
    series = sessions.schedule_pair(pair["group"].id)
    first = series.occurrences.order_by(Occurrence.starts_at).first()
    keys = {j.key for j in Job.select() if j.key.startswith(f"mentoring-occurrence:{first.id}:")}
    assert keys == {
        f"mentoring-occurrence:{first.id}:end",
        f"mentoring-occurrence:{first.id}:before",
    }
    assert Job.get(Job.key == f"mentoring-occurrence:{first.id}:end").run_at == first.ends_at


def test_cancelling_one_occurrence_sends_cancel_with_its_recurrence_id(pair):
    series = sessions.schedule_pair(pair["group"].id)
    third = list(series.occurrences.order_by(Occurrence.starts_at))[2]
    clock.travel(dt.timedelta(hours=1))
    occurrences.cancel_occurrence(third.id, "Maya is away.")
    row = sent("mentoring-occurrence", "ben@example.org")[0]
    cal = calendar_of(row)
    assert str(cal["METHOD"]) == "CANCEL"
    event = next(iter(cal.walk("VEVENT")))
    rid = event["RECURRENCE-ID"]
    assert rid.params["TZID"] == series.session.timezone
    assert rid.dt.astimezone(dt.UTC).replace(tzinfo=None) == third.recurrence_id
    assert int(event["SEQUENCE"]) == 1
    assert "RRULE" not in event
    # The series is left alone; an update later skips the cancelled date (EXDATE)
    assert SessionSeries.get_by_id(series.id).status == "active"
    sessions.resend_series(series.id)
    update = calendar_of(sent("mentoring-series", "ben@example.org")[-1])
    master = next(iter(update.walk("VEVENT")))
    assert int(master["SEQUENCE"]) == 2
    assert master["DTSTAMP"].dt > event["DTSTAMP"].dt
    assert len(local_times(update, dt.UTC)) == 5
    assert Job.get(Job.key == f"mentoring-occurrence:{third.id}:end").status == "cancelled"


def test_moving_one_occurrence_sends_a_request_for_it_alone(pair):
    series = sessions.schedule_pair(pair["group"].id)
    second = list(series.occurrences.order_by(Occurrence.starts_at))[1]
    new_start = second.starts_at + dt.timedelta(days=2)
    occurrences.move_occurrence(second.id, new_start)
    cal = calendar_of(sent("mentoring-occurrence", "maya@example.org")[0])
    event = next(iter(cal.walk("VEVENT")))
    assert str(cal["METHOD"]) == "REQUEST"
    assert event["DTSTART"].dt.astimezone(dt.UTC).replace(tzinfo=None) == new_start
    assert event["RECURRENCE-ID"].dt.astimezone(dt.UTC).replace(tzinfo=None) == second.recurrence_id
    job = Job.get(Job.key == f"mentoring-occurrence:{second.id}:end")
    assert job.run_at == new_start + dt.timedelta(hours=1)


def test_cancelling_the_series_cancels_its_uid_for_everyone(pair):
    series = sessions.schedule_pair(pair["group"].id)
    sessions.cancel_series(series.id, "user:1")
    cal = calendar_of(sent("mentoring-series", "ben@example.org")[-1])
    assert str(cal["METHOD"]) == "CANCEL"
    assert Session.get_by_id(series.session_id).status == "cancelled"
    assert OutboundEmail.select().where(OutboundEmail.calendar_method == "CANCEL").count() == 2


def test_a_pair_without_shared_time_gets_no_series(db):
    world = make_pair(mentor_hours="Tue 09:00-10:00", mentee_hours="Mon 11:00-12:00")
    assert sessions.schedule_pair(world["group"].id) is None
    assert OutboundEmail.select().count() == 0
