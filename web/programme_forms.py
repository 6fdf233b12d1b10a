"""The programme form: read what a coordinator typed, and what to show in its fields."""

from __future__ import annotations

import functools
import zoneinfo

from models import Programme
from models.programme import PROGRAMME_KINDS, TIMING_FIELDS
from workers import settings as settings_mod

#: Longest description accepted.
MAX_DESCRIPTION = 5000

#: Longest value read from a one-line field.
MAX_FIELD = 300

#: The kinds a programme may use, as the form offers them.
KIND_LABELS = {
    "followup": "Follow-up reviews",
    "mentoring": "Mentoring",
    "tracking": "Progress tracking",
}

#: Each per-programme timing: its label and its unit, as the form and the page say them.
TIMING_LABELS = {
    "reply_deadline_hours": ("Reply deadline", "hours before the session"),
    "reminder_hours": ("Reminders to who has not answered", "hours before the deadline"),
    "summary_within_hours": ("Summary sent within", "hours after the session ends"),
    "item_reminder_days": ("Action item reminders", "days before an item is due"),
}


def read_form(form) -> dict:
    """Return the changes a submitted programme form asks for (checked later)."""
    changes = {
        "name": form.get("name", "")[:MAX_FIELD],
        "kinds": [k for k in form.getlist("kinds") if k in PROGRAMME_KINDS],
        "timezone": form.get("timezone", "")[:MAX_FIELD],
        "description": form.get("description", "")[:MAX_DESCRIPTION],
    }
    for name in TIMING_FIELDS:
        changes[name] = form.get(name, "").strip()[:MAX_FIELD]
    return changes


def form_values(programme: Programme | None) -> dict:
    """Return what the form shows before anything is typed: the programme's values."""
    if programme is None:
        default = settings_mod.get().default_timezone
        return {"name": "", "kinds": ["followup"], "timezone": default, "description": ""}
    values = {
        "name": programme.name,
        "kinds": list(programme.kinds),
        "timezone": programme.timezone,
        "description": programme.description,
    }
    for name in TIMING_FIELDS:
        own = getattr(programme, name)
        values[name] = "" if own is None else str(own)
    return values


def timing_defaults() -> dict[str, str]:
    """Return each timing's environment default, shown as the placeholder of its field."""
    settings = settings_mod.get()
    defaults = {}
    for name in TIMING_FIELDS:
        value = getattr(settings, name)
        defaults[name] = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
    return defaults


@functools.cache
def zone_names() -> list[str]:
    """Return every IANA time zone name, sorted, for the time zone field's suggestions."""
    return sorted(zoneinfo.available_timezones())
