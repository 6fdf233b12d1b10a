"""The cycle set-up forms: read what a coordinator typed, or say exactly what is wrong."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models import Person, Programme, clock
from web.ids import parse_id
from workers.followup import setup

#: What a stakeholder line looks like: ``Name <email>, Department, Time/Zone``.
PERSON_RE = re.compile(r"^\s*(?P<name>[^<,]*?)\s*<(?P<email>[^>\s]+)>\s*(?:,(?P<rest>.*))?$")

#: A plausible email address (the inbound side checks the rest).
EMAIL_RE = re.compile(r"^[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,]+$")

#: Longest text accepted in a free-text field.
MAX_FIELD = 5000

#: Years a date on the forms may fall in: outside them it is a typing error, and near the ends
#: of the calendar (years 1 and 9999) a time zone pushes it out of range altogether.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class FormError(ValueError):
    """A form field has a value the cycle cannot use; the message says which and why."""


def parse_zone(value: str) -> str:
    """Return a known IANA time zone name or raise FormError."""
    value = value.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise FormError(f"Unknown time zone: {value!r} (use a name like Europe/London).") from None
    return value


def parse_local(value: str, zone: str, label: str) -> dt.datetime:
    """Read a ``YYYY-MM-DDTHH:MM`` local time in ``zone`` and return it as naive UTC."""
    try:
        local = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise FormError(f"{label} is not a date and time (YYYY-MM-DD HH:MM): {value!r}.") from None
    if not FIRST_YEAR <= local.year <= LAST_YEAR:
        raise FormError(f"{label} must fall between the years {FIRST_YEAR} and {LAST_YEAR}.")
    local = local.replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _number(value: str, label: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        raise FormError(f"{label} must be a number, got {value!r}.") from None


def parse_people(text: str, default_tz: str) -> list[setup.StakeholderSpec]:
    """Read ``Name <email>, Department, Time/Zone`` lines into stakeholder specs."""
    specs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = PERSON_RE.match(line)
        if not match or not EMAIL_RE.match(match.group("email")):
            raise FormError(f"Cannot read {line.strip()!r}: write Name <email>, Department, Zone.")
        rest = [p.strip() for p in (match.group("rest") or "").split(",")]
        zone = parse_zone(rest[1]) if len(rest) > 1 and rest[1] else default_tz
        specs.append(
            setup.StakeholderSpec(
                department=rest[0] if rest else "",
                name=match.group("name") or match.group("email"),
                email=match.group("email").lower(),
                timezone=zone,
            )
        )
    return specs


def parse_metrics(text: str, newcomers: frozenset[str] = frozenset()) -> list[setup.MetricSpec]:
    """Read ``Name | unit | owner email | baseline | target | up/down`` lines into metric specs."""
    specs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + [""] * 6
        name, unit, owner, baseline, target, direction = parts[:6]
        if not name:
            raise FormError(f"A metric needs a name: {line.strip()!r}.")
        if owner and owner.lower() not in newcomers and Person.by_email(owner) is None:
            raise FormError(f"Metric {name!r}: nobody has the address {owner!r}.")
        direction = direction.lower() or "up"
        if direction not in ("up", "down"):
            raise FormError(f"Metric {name!r}: direction must be up or down, got {direction!r}.")
        specs.append(
            setup.MetricSpec(
                name=name[:200],
                unit=unit[:40],
                owner_email=owner.lower(),
                baseline=_number(baseline, f"Baseline of {name!r}"),
                target=_number(target, f"Target of {name!r}"),
                direction=direction,
            )
        )
    return specs


def member_ids(values: list[str]) -> list[int]:
    """Return the ids of the members ticked on the form, or raise FormError."""
    try:
        return [parse_id(value) for value in values]
    except ValueError:
        raise FormError("Choose the stakeholders from the list.") from None


def read_session(form) -> tuple[dt.datetime, dt.datetime, str, str]:
    """Read and check the session's start, end, time zone and place."""
    zone = parse_zone(form.get("timezone", ""))
    starts = parse_local(form.get("starts_at", ""), zone, "Start")
    ends = parse_local(form.get("ends_at", ""), zone, "End")
    if ends <= starts:
        raise FormError("The session must end after it starts.")
    return starts, ends, zone, form.get("location", "").strip()[:500]


def read_cycle_form(form, programme: Programme) -> setup.CycleSpec:
    """Read the whole set-up form into a spec, or raise FormError saying what is wrong."""
    title = form.get("title", "").strip()
    if not title:
        raise FormError("Title is required.")
    starts, ends, zone, location = read_session(form)
    deadline = None
    if form.get("reply_deadline", "").strip():
        deadline = parse_local(form["reply_deadline"], zone, "Reply deadline")
        if deadline >= starts:
            raise FormError("The reply deadline must be before the session starts.")
    auto = None
    if form.get("auto_trigger_at", "").strip():
        auto = parse_local(form["auto_trigger_at"], zone, "Automatic trigger")
        if not clock.now() < auto < (deadline or starts - setup.deadline_before(programme)):
            raise FormError("The automatic trigger must be in the future and before the deadline.")
    chosen = member_ids(form.getlist("member"))
    people = [
        setup.StakeholderSpec(
            department=form.get(f"department_{pid}", "").strip()[:200], person_id=pid
        )
        for pid in chosen
    ]
    people += parse_people(form.get("new_people", ""), programme.timezone)
    if not people:
        raise FormError("Choose or add at least one stakeholder.")
    return setup.CycleSpec(
        title=title[:200],
        objectives=form.get("objectives", "")[:MAX_FIELD],
        starts_at=starts,
        ends_at=ends,
        timezone=zone,
        location=location,
        reply_deadline=deadline,
        auto_trigger_at=auto,
        stakeholders=people,
        metrics=parse_metrics(form.get("metrics", ""), frozenset(p.email for p in people)),
    )
