"""Programmes: create, edit, archive, and the timings each one runs by."""

from __future__ import annotations

import dataclasses

import pytest

from models import AuditEvent, Programme
from workers import settings as settings_mod
from workers.workspace.errors import ProgrammeError
from workers.workspace.programmes import (
    Timing,
    archive_programme,
    create_programme,
    edit_programme,
    programme_timing,
    unarchive_programme,
)


def test_it_creates_a_programme_with_several_kinds(db):
    programme = create_programme(
        "  Prefects   2026 ", ["Mentoring", "follow-up,tracking"], timezone="europe/LONDON"
    )
    programme = Programme.get_by_id(programme.id)
    assert programme.name == "Prefects 2026"
    assert programme.kind == "followup,mentoring,tracking"
    assert programme.kinds == ("followup", "mentoring", "tracking")
    assert programme.has_kind("mentoring") and programme.timezone == "Europe/London"
    event = AuditEvent.get(AuditEvent.verb == "programme.created")
    assert (event.object_id, event.data["kind"]) == (programme.id, "followup,mentoring,tracking")


def test_a_new_programme_takes_the_default_time_zone(db, monkeypatch):
    settings = dataclasses.replace(settings_mod.get(), default_timezone="Asia/Tokyo")
    monkeypatch.setattr(settings_mod, "_current", settings)
    assert create_programme("Heads", "followup").timezone == "Asia/Tokyo"


@pytest.mark.parametrize(
    "name, kinds, zone, message",
    [
        ("", "followup", "UTC", "the name must be"),
        ("Heads", "", "UTC", "the kind must be"),
        ("Heads", "coaching", "UTC", "the kind must be"),
        ("Heads", "followup", "Atlantis/Capital", "unknown time zone"),
        ("heads", "followup", "UTC", "a programme named 'heads' exists already"),
    ],
)
def test_it_refuses_bad_programmes(db, name, kinds, zone, message):
    create_programme("Heads", "followup")
    with pytest.raises(ProgrammeError, match=message):
        create_programme(name, kinds, timezone=zone)
    assert Programme.select().count() == 1


def test_editing_records_what_changed(db):
    programme = create_programme("Heads", "followup")
    changed = edit_programme(
        programme, actor="user:1", name="Heads 2026", kinds="followup,tracking", description="Hi"
    )
    assert changed == {
        "name": ["Heads", "Heads 2026"],
        "kind": ["followup", "followup,tracking"],
        "description": ["", "Hi"],
    }
    assert Programme.get_by_id(programme.id).kinds == ("followup", "tracking")
    event = AuditEvent.get(AuditEvent.verb == "programme.edited")
    assert (event.actor, event.data["changes"]) == ("user:1", changed)
    assert edit_programme(programme, name="Heads 2026") == {}


def test_editing_refuses_a_taken_name(db):
    create_programme("Heads", "followup")
    other = create_programme("Pairs", "mentoring")
    with pytest.raises(ProgrammeError, match="exists already"):
        edit_programme(other, name="HEADS")
    assert Programme.get_by_id(other.id).name == "Pairs"


def test_timings_default_to_the_environment_and_can_be_set_per_programme(db, monkeypatch):
    # Given environment timings
    env = dataclasses.replace(
        settings_mod.get(),
        reply_deadline_hours=48,
        reminder_hours=(72, 24),
        summary_within_hours=24,
        item_reminder_days=(3, 1),
    )
    monkeypatch.setattr(settings_mod, "_current", env)
    programme = create_programme("Heads", "followup", summary_within_hours=12)
    # Then a programme uses them except where it sets its own
    assert programme_timing(programme) == Timing(48, (72, 24), 12, (3, 1))
    # When it sets more, then resets one
    edit_programme(programme, reminder_hours="6, 48", item_reminder_days=[7])
    edit_programme(programme, summary_within_hours=None)
    programme = Programme.get_by_id(programme.id)
    assert programme.reminder_hours == "48,6"
    assert programme_timing(programme) == Timing(48, (48, 6), 24, (7,))


@pytest.mark.parametrize(
    "changes",
    [
        {"reply_deadline_hours": "two days"},
        {"reply_deadline_hours": "48,24"},
        {"summary_within_hours": 0},
        {"reminder_hours": "72,0"},
        {"colour": "blue"},
    ],
)
def test_it_refuses_bad_timings(db, changes):
    programme = create_programme("Heads", "followup")
    with pytest.raises(ProgrammeError):
        edit_programme(programme, **changes)


def test_archiving_hides_a_programme_and_keeps_it(db):
    programme = create_programme("Heads", "followup")
    create_programme("Pairs", "mentoring")
    assert archive_programme(programme, actor="user:1")
    assert not archive_programme(programme)  # once only
    assert [p.name for p in Programme.current()] == ["Pairs"]
    assert Programme.get_by_id(programme.id).is_archived
    assert unarchive_programme(programme)
    assert [p.name for p in Programme.current()] == ["Heads", "Pairs"]
    verbs = [e.verb for e in AuditEvent.select().where(AuditEvent.object_id == programme.id)]
    assert verbs == ["programme.created", "programme.archived", "programme.unarchived"]
