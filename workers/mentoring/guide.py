"""The programme's introductory guide: plain text a coordinator edits, with a few placeholders.

The guide is text, not a template: ``{{ partner }}`` and the other names in ``PLACEHOLDERS``
are replaced by plain values and nothing else is evaluated, so whatever a coordinator types
cannot run code or reach data. The emails escape it like any other text.
"""

from __future__ import annotations

import re

from models import Programme
from workers.mentoring import rules as rules_mod
from workers.mentoring.errors import SettingsError

#: The placeholders a guide may use, with what each becomes.
PLACEHOLDERS = {
    "programme": "the programme's name",
    "recipient": "the reader's name",
    "partner": "the other person's name",
    "role": "the reader's role: mentor or mentee",
    "partner_role": "the other person's role",
}

#: A placeholder as written in a guide: ``{{ partner }}``.
PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

#: Anything written like a template tag, placeholder or not (``{{ x.y }}``, ``{% if %}``).
TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)

#: Longest guide a coordinator may store.
MAX_GUIDE = 10_000

#: The guide of a programme whose coordinator has not written one.
DEFAULT_GUIDE = """\
Welcome to {{ programme }}, {{ recipient }}.

You are now paired with {{ partner }}, who will be your {{ partner_role }}.

How it works:
- Meet regularly for about an hour; Tandem sends the calendar invitations, each in your own
  time zone. Accept or decline them with your calendar.
- In your first session, agree on two or three goals and on how you will know they are met.
- After each session Tandem asks each of you for a few lines: how it went, and what is next.
- Keep what is said between you, unless you both agree otherwise.

If something is not working, reply to any Tandem email and your coordinator will help.
"""


def check_guide(text: str) -> str:
    """Return the guide with its line endings tidied, or raise SettingsError saying why not."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise SettingsError("the guide is empty")
    if len(text) > MAX_GUIDE:
        raise SettingsError(f"the guide is longer than {MAX_GUIDE:,} characters")
    for tag in TAG_RE.findall(text):
        found = PLACEHOLDER_RE.fullmatch(tag)
        if found is None or found.group(1) not in PLACEHOLDERS:
            known = ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)
            raise SettingsError(f"unknown placeholder {' '.join(tag.split())[:60]}; use {known}")
    return text + "\n"


def guide_text(programme: Programme) -> str:
    """Return the programme's guide as stored, or Tandem's default."""
    row = rules_mod.settings_row(programme)
    return row.guide if row is not None and row.guide else DEFAULT_GUIDE


def save(programme: Programme, text: str) -> str:
    """Check and store the programme's guide; return it as stored."""
    checked = check_guide(text)
    rules_mod.save_guide(programme, None if checked == DEFAULT_GUIDE else checked)
    return checked


def render_guide(text: str, values: dict[str, str]) -> str:
    """Return the guide with each placeholder replaced by its value (unknown ones left out)."""
    return PLACEHOLDER_RE.sub(lambda found: str(values.get(found.group(1), "")), text)


def sample(text: str, programme: Programme) -> str:
    """Return the guide as a mentee would read it, with example names, for the preview."""
    values = {
        "programme": programme.name,
        "recipient": "Alex Example",
        "partner": "Sam Sample",
        "role": "mentee",
        "partner_role": "mentor",
    }
    return render_guide(text, values)
