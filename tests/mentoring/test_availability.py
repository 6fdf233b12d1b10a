"""Availability windows: parsing, real instants across DST in several zones, and overlaps."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from workers.mentoring.availability import (
    AvailabilityError,
    Span,
    Window,
    check_zone,
    erode,
    expand,
    has_shared_stretch,
    intersect,
    longest_stretch,
    merge,
    overlap_matrix,
    parse_windows,
    shared_hours_per_week,
    shared_minutes,
)


def utc(*args: int) -> int:
    """Return a UTC wall time as minutes since the epoch, the unit expansions use."""
    return int(dt.datetime(*args, tzinfo=dt.UTC).timestamp()) // 60


def test_it_parses_windows_in_any_case_and_day_spelling():
    text = "Mon 16:00-18:00; wednesday 15:00 - 17:00;TUE 09:00-10:30; Sun 22:00-24:00;"
    assert parse_windows(text) == [
        Window(0, 16 * 60, 18 * 60),
        Window(1, 9 * 60, 10 * 60 + 30),
        Window(2, 15 * 60, 17 * 60),
        Window(6, 22 * 60, 24 * 60),
    ]


def test_it_reads_an_empty_cell_as_no_windows():
    assert parse_windows("  ") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mun 10:00-11:00", "'Mun 10:00-11:00': 'Mun' is not a day of the week"),
        ("Fri 22:00-02:00", "'Fri 22:00-02:00' crosses midnight"),
        ("Mon 16:00-18:00; Wed 15:00-27:00", "'Wed 15:00-27:00': 27:00 is not a time of day"),
        ("Mon 10:60-11:00", "'Mon 10:60-11:00': 10:60 is not a time of day"),
        ("Mon 10-11", "'Mon 10-11' is not a window like 'Mon 16:00-18:00'"),
        ("Tue 10:00-10:00", "'Tue 10:00-10:00' is empty"),
        ("Mon 16:00-18:00, Wed 15:00-17:00", "is not a window like"),
    ],
)
def test_it_names_the_piece_it_cannot_read(text, message):
    with pytest.raises(AvailabilityError, match=message):
        parse_windows(text)


def test_it_rejects_an_unknown_time_zone():
    with pytest.raises(AvailabilityError, match="'Mars/Olympus' is not an IANA time zone"):
        check_zone("Mars/Olympus")


def test_it_counts_the_real_length_of_a_window_across_the_spring_gap():
    # New York skips 02:00-03:00 on Sunday 8 March 2026: 01:00-04:00 lasts two real hours.
    night = expand(
        parse_windows("Sun 01:00-04:00"), "America/New_York", Span(dt.date(2026, 3, 2), 1)
    )
    assert night.tolist() == [[utc(2026, 3, 8, 6), utc(2026, 3, 8, 8)]]


def test_it_clips_windows_to_the_programme_span():
    # Sydney's Tuesday 07:00 is Monday 20:00 UTC; the one before the span falls outside it.
    span = Span(dt.date(2026, 3, 23), 1)
    sets = expand(parse_windows("Tue 07:00-09:00"), "Australia/Sydney", span)
    assert sets.tolist() == [[utc(2026, 3, 23, 20), utc(2026, 3, 23, 22)]]


def test_london_and_new_york_share_more_in_the_weeks_between_their_march_changes():
    # Given London Mon 14:00-16:00 and New York Mon 10:00-12:00, over five weeks from 2 March
    # 2026: New York moves to EDT on 8 March, London to BST on 29 March.
    span = Span(dt.date(2026, 3, 2), 5)
    london = expand(parse_windows("Mon 14:00-16:00"), "Europe/London", span)
    new_york = expand(parse_windows("Mon 10:00-12:00"), "America/New_York", span)
    # Then: week 1 GMT 14-16 UTC vs EST 15-17 UTC: 15-16; weeks 2-4 GMT 14-16 vs EDT 14-16:
    # two hours each; week 5 BST 13-15 UTC vs EDT 14-16 UTC: 14-15.
    assert intersect(london, new_york) == [
        (utc(2026, 3, 2, 15), utc(2026, 3, 2, 16)),
        (utc(2026, 3, 9, 14), utc(2026, 3, 9, 16)),
        (utc(2026, 3, 16, 14), utc(2026, 3, 16, 16)),
        (utc(2026, 3, 23, 14), utc(2026, 3, 23, 16)),
        (utc(2026, 3, 30, 14), utc(2026, 3, 30, 15)),
    ]
    assert shared_minutes(london, new_york) == 60 + 3 * 120 + 60
    assert shared_hours_per_week(london, new_york, span.weeks) == pytest.approx(8 / 5)
    assert longest_stretch(london, new_york) == 120
    assert has_shared_stretch(london, new_york, 120)
    assert not has_shared_stretch(london, new_york, 121)


def test_london_and_new_york_share_more_in_the_october_week_between_changes():
    # London returns to GMT on 25 October 2026, New York to EST on 1 November.
    span = Span(dt.date(2026, 10, 19), 3)
    london = expand(parse_windows("Mon 14:00-16:00"), "Europe/London", span)
    new_york = expand(parse_windows("Mon 10:00-12:00"), "America/New_York", span)
    # BST 13-15 vs EDT 14-16: 60; GMT 14-16 vs EDT 14-16: 120; GMT 14-16 vs EST 15-17: 60.
    assert shared_minutes(london, new_york) == 240
    assert shared_hours_per_week(london, new_york, 3) == pytest.approx(4 / 3)


def test_sydney_and_london_drift_apart_as_their_clocks_change_in_opposite_directions():
    # Given Sydney Tue 07:00-09:00 and London Mon 20:00-22:00, three weeks from 23 March 2026:
    # London goes to BST on 29 March, Sydney leaves AEDT (UTC+11) for AEST on 5 April.
    span = Span(dt.date(2026, 3, 23), 3)
    sydney = expand(parse_windows("Tue 07:00-09:00"), "Australia/Sydney", span)
    london = expand(parse_windows("Mon 20:00-22:00"), "Europe/London", span)
    # Then: 20-22 UTC both in week 1; London 19-21 vs Sydney 20-22 in week 2; London 19-21
    # vs Sydney 21-23 in week 3.
    assert intersect(sydney, london) == [
        (utc(2026, 3, 23, 20), utc(2026, 3, 23, 22)),
        (utc(2026, 3, 30, 20), utc(2026, 3, 30, 21)),
    ]
    assert shared_hours_per_week(sydney, london, 3) == pytest.approx(1.0)
    assert has_shared_stretch(sydney, london)


def test_it_merges_overlapping_and_touching_intervals():
    rows = np.array([[50, 60], [0, 10], [10, 20], [15, 18], [30, 40], [35, 45]])
    assert merge(rows).tolist() == [[0, 20], [30, 45], [50, 60]]


def random_sets(rng: random.Random, count: int) -> list[np.ndarray]:
    """Return ``count`` merged random interval sets on a small time line."""
    sets = []
    for _ in range(count):
        starts = [rng.randrange(0, 600, 5) for _ in range(rng.randint(0, 5))]
        rows = [(s, s + rng.randrange(5, 180, 5)) for s in starts]
        sets.append(merge(np.array(rows, dtype=np.int64).reshape(-1, 2)))
    return sets


@pytest.mark.parametrize("seed", range(10))
def test_the_overlap_matrix_agrees_with_walking_each_pair(seed):
    rng = random.Random(seed)
    left, right = random_sets(rng, 12), random_sets(rng, 9)
    matrix = overlap_matrix(left, right)
    stretch = overlap_matrix([erode(s, 60) for s in left], [erode(s, 60) for s in right])
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            assert matrix[i, j] == shared_minutes(a, b)
            assert (stretch[i, j] > 0) == has_shared_stretch(a, b, 60)
