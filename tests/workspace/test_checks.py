"""The value checks shared by the pages and the import: what passes, as stored, and what not."""

from __future__ import annotations

import datetime as dt

import pytest

from workers.workspace import checks
from workers.workspace.errors import InvalidValue


@pytest.mark.parametrize(
    "value, stored",
    [
        ("ada@example.org", "ada@example.org"),
        (" A.B+tag@Sub.Example.ORG ", "a.b+tag@sub.example.org"),
        ("mailto:ada@example.org", "ada@example.org"),
        ("ada@münchen.de", "ada@xn--mnchen-3ya.de"),
    ],
)
def test_good_addresses_are_stored_lower_case(value, stored):
    assert checks.normalize_email(value) == stored


@pytest.mark.parametrize(
    "value",
    [
        "ada",
        "ada@",
        "@example.org",
        "ada@example",
        "a..b@example.org",
        ".a@example.org",
        "a b@example.org",
        "ada@-example.org",
        "Ada <ada@example.org>",
        "a@b@example.org",
        "x" * 65 + "@example.org",
    ],
)
def test_bad_addresses_are_refused(value):
    with pytest.raises(InvalidValue, match="bad email syntax"):
        checks.normalize_email(value)


@pytest.mark.parametrize(
    "value, zone",
    [("Europe/London", "Europe/London"), ("america/new york", "America/New_York"), ("utc", "UTC")],
)
def test_time_zones_are_read_in_any_case(value, zone):
    assert checks.canonical_timezone(value) == zone


@pytest.mark.parametrize("value", ["CEST", "Europe/Londres", "GMT+1", "../etc/passwd"])
def test_unknown_time_zones_are_refused(value):
    with pytest.raises(InvalidValue, match="unknown time zone"):
        checks.canonical_timezone(value)


@pytest.mark.parametrize(
    "value, tag", [("EN", "en"), ("pt_br", "pt-BR"), ("zh-Hant", "zh-Hant"), ("French", "fr")]
)
def test_languages_are_stored_as_tags(value, tag):
    assert checks.normalize_language(value) == tag


def test_roles_are_read_in_any_case_and_in_the_plural():
    assert checks.parse_role(" Mentees ") == "mentee"
    with pytest.raises(InvalidValue, match="unknown role 'chair'"):
        checks.parse_role("chair")


@pytest.mark.parametrize(
    "value, stored",
    [
        ("Mon 16:00-18:00; Wed 15:00-17:00", "Mon 16:00-18:00; Wed 15:00-17:00"),
        ("wednesday 9:00 \u2013 10:30; monday 16:00-24:00", "Mon 16:00-24:00; Wed 09:00-10:30"),
        ("", ""),
    ],
)
def test_availability_is_stored_in_one_form(value, stored):
    assert checks.parse_availability(value) == stored


@pytest.mark.parametrize(
    "value, result",
    [
        ("done", (True, None)),
        ("Yes", (True, None)),
        ("no", (False, None)),
        ("2025-09-01", (True, dt.date(2025, 9, 1))),
    ],
)
def test_orientation_is_done_not_done_or_a_date(value, result):
    assert checks.parse_orientation(value) == result


@pytest.mark.parametrize(
    "check, value",
    [
        (checks.parse_capacity, "51"),
        (checks.parse_capacity, "2.5"),
        (checks.parse_format, "pair"),
        (checks.parse_orientation, "01/09/2025"),
        (checks.parse_active, "maybe"),
    ],
)
def test_other_bad_values_are_refused(check, value):
    with pytest.raises(InvalidValue):
        check(value)
