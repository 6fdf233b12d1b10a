"""Matching: capacity, locks, exclusions, hard constraints, reasons and brute-force optimality."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from collections import Counter

import numpy as np
import pytest

from workers.mentoring.availability import Span, expand, has_shared_stretch, parse_windows
from workers.mentoring.matching import (
    LOAD_PENALTY,
    MatchError,
    MatchOptions,
    build_table,
    greedy_match,
    match,
    render_json,
)
from workers.mentoring.scoring import (
    MenteeProfile,
    MentorProfile,
    ProfileError,
    parse_format,
    score_matrix,
    score_pair,
)

#: Four ordinary weeks in January, no clock changes anywhere.
SPAN = Span(dt.date(2026, 1, 5), 4)

#: Six weeks across the March changes in New York and London.
MARCH = Span(dt.date(2026, 3, 2), 6)


def mentee(email: str, when: str = "Mon 09:00-12:00", **fields) -> MenteeProfile:
    """Return a mentee in London free at ``when``."""
    fields.setdefault("timezone", "Europe/London")
    return MenteeProfile(email, availability=tuple(parse_windows(when)), **fields)


def mentor(email: str, when: str = "Mon 09:00-12:00", **fields) -> MentorProfile:
    """Return an oriented mentor in London, capacity 1 unless told, free at ``when``."""
    fields.setdefault("timezone", "Europe/London")
    fields.setdefault("orientation_done", True)
    return MentorProfile(email, availability=tuple(parse_windows(when)), **fields)


def random_programme(rng: random.Random, mentees: int, mentors: int, max_capacity: int):
    """Return random mentees, mentors and constraints over the March weeks."""
    zones = ["Europe/London", "Europe/Berlin", "America/New_York"]
    themes = ["budgets", "hiring", "speaking", "coaching", "data"]

    def person() -> dict:
        hours = [(start, start + rng.randint(1, 6)) for start in rng.sample(range(7, 17), 2)]
        when = f"Mon {hours[0][0]}:00-{hours[0][1]}:00; Tue {hours[1][0]}:00-{hours[1][1]}:00"
        return {
            "timezone": rng.choice(zones),
            "availability": tuple(parse_windows(when)),
            "department": rng.choice(["a", "b", "c"]),
            "languages": tuple(rng.sample(["en", "fr"], rng.randint(1, 2))),
            "format": rng.choice(["one-to-one", "group", "either"]),
        }

    left = [
        MenteeProfile(f"e{i}@x", goals=tuple(rng.sample(themes, 2)), **person())
        for i in range(mentees)
    ]
    right = [
        MentorProfile(
            f"m{j}@x",
            skills=tuple(rng.sample(themes, 3)),
            capacity=rng.randint(0, max_capacity),
            orientation_done=rng.random() < 0.8,
            **person(),
        )
        for j in range(mentors)
    ]
    excluded = [(f"e{rng.randrange(mentees)}@x", f"m{rng.randrange(mentors)}@x")]
    return left, right, excluded


def brute_force(table, capacity: list[int], objective: str) -> tuple:
    """Try every assignment; return the best (pairs, value) or (value,) for the objective."""
    allowed = table.allowed
    best = None
    for choice in itertools.product([None, *range(len(capacity))], repeat=allowed.shape[0]):
        load = Counter(j for j in choice if j is not None)
        if any(load[j] > capacity[j] for j in load):
            continue
        if any(j is not None and not allowed[i, j] for i, j in enumerate(choice)):
            continue
        key = assignment_key(table, list(enumerate(choice)), objective)
        best = key if best is None else max(best, key)
    return best


def assignment_key(table, pairs, objective: str) -> tuple:
    """Return what the objective maximises for (mentee index, mentor index or None) pairs."""
    chosen = [(i, j) for i, j in pairs if j is not None]
    load = Counter(j for _, j in chosen)
    value = sum(table.scores.score[i, j] for i, j in chosen)
    value -= LOAD_PENALTY * sum(n * (n - 1) / 2 for n in load.values())
    return (len(chosen), round(value, 6)) if objective == "participation" else (round(value, 6),)


def indexed(result, mentees, mentors) -> list[tuple[int, int]]:
    """Return the result's pairs as (mentee index, mentor index)."""
    rows = {m.email: i for i, m in enumerate(mentees)}
    cols = {m.email: j for j, m in enumerate(mentors)}
    return [(rows[p.mentee], cols[p.mentor]) for p in result.pairs]


@pytest.mark.parametrize("objective", ["participation", "score"])
@pytest.mark.parametrize("seed", range(25))
def test_it_finds_the_optimum_that_brute_force_finds(seed, objective):
    rng = random.Random(seed)
    mentees, mentors, excluded = random_programme(rng, 6, 3, 3)
    options = MatchOptions(
        span=MARCH,
        objective=objective,
        excluded_pairs=excluded,
        exclude_same_department=seed % 2 == 0,
        min_score=30.0,
    )
    table = build_table(mentees, mentors, options)
    capacity = [m.capacity for m in mentors]
    result = match(mentees, mentors, options)
    got = assignment_key(table, indexed(result, mentees, mentors), objective)
    assert got == brute_force(table, capacity, objective)


@pytest.mark.parametrize("objective", ["participation", "score"])
@pytest.mark.parametrize("seed", range(5))
def test_it_keeps_every_constraint_on_larger_programmes(seed, objective):
    rng = random.Random(100 + seed)
    mentees, mentors, excluded = random_programme(rng, 80, 20, 4)
    locked = [("e0@x", "m0@x"), ("e1@x", "m0@x")]
    options = MatchOptions(
        span=MARCH,
        objective=objective,
        locked=locked,
        excluded_pairs=excluded,
        exclude_same_department=True,
    )
    for matcher in (match, greedy_match):
        result = matcher(mentees, mentors, options)
        by_email = {m.email: m for m in (*mentees, *mentors)}
        load = Counter(p.mentor for p in result.pairs)
        # A coordinator may lock more pairs on a mentor than its capacity; nothing else may.
        locked_load = Counter(p.mentor for p in result.pairs if p.locked)
        assert {(p.mentee, p.mentor) for p in result.pairs if p.locked} == set(locked)
        assert all(load[m.email] <= max(m.capacity, locked_load[m.email]) for m in mentors)
        assert len({p.mentee for p in result.pairs}) == len(result.pairs)
        assert len(result.pairs) + len(result.unmatched) == len(mentees)
        for pair in (p for p in result.pairs if not p.locked):
            a, b = by_email[pair.mentee], by_email[pair.mentor]
            assert (pair.mentee, pair.mentor) not in excluded
            assert a.department != b.department
            assert b.orientation_done
            # Shared time checked on its own, pair by pair, not through the matrices.
            sets = [expand(p.availability, p.timezone, MARCH) for p in (a, b)]
            assert has_shared_stretch(*sets, 60)


def test_it_never_gives_a_mentor_more_mentees_than_capacity():
    mentees = [mentee(f"e{i}@x") for i in range(5)]
    mentors = [mentor("full@x", capacity=2), mentor("one@x", capacity=1)]
    result = match(mentees, mentors, MatchOptions(span=SPAN))
    assert Counter(p.mentor for p in result.pairs) == {"full@x": 2, "one@x": 1}
    assert {u.reason for u in result.unmatched} == {"no mentor with free capacity"}


def test_it_spreads_load_between_equal_mentors():
    mentees = [mentee("a@x"), mentee("b@x")]
    mentors = [mentor("m1@x", capacity=2), mentor("m2@x", capacity=2)]
    result = match(mentees, mentors, MatchOptions(span=SPAN))
    assert sorted(p.mentor for p in result.pairs) == ["m1@x", "m2@x"]


def test_it_keeps_a_locked_pair_and_its_slot():
    # Given a locked pair the matcher would not choose, on a mentor with one slot.
    mentees = [mentee("good@x", goals=("budgets",)), mentee("locked@x")]
    mentors = [mentor("m@x", skills=("budgets",))]
    options = MatchOptions(span=SPAN, locked=[("LOCKED@x ", "m@x")])
    result = match(mentees, mentors, options)
    assert [(p.mentee, p.mentor, p.locked) for p in result.pairs] == [("locked@x", "m@x", True)]
    assert [(u.mentee, u.reason) for u in result.unmatched] == [
        ("good@x", "no mentor with free capacity")
    ]


def test_it_refuses_a_lock_on_someone_outside_the_programme():
    with pytest.raises(MatchError, match="nobody@x / m@x"):
        match(
            [mentee("a@x")], [mentor("m@x")], MatchOptions(span=SPAN, locked=[("nobody@x", "m@x")])
        )


def test_it_keeps_exclusions_and_says_so():
    mentees = [mentee("a@x", department="Sales"), mentee("b@x", department="Sales")]
    mentors = [mentor("m1@x", department="sales "), mentor("m2@x", department="IT")]
    options = MatchOptions(
        span=SPAN, exclude_same_department=True, excluded_pairs=[("b@x", "m2@x")]
    )
    result = match(mentees, mentors, options)
    assert [(p.mentee, p.mentor) for p in result.pairs] == [("a@x", "m2@x")]
    assert [(u.mentee, u.reason) for u in result.unmatched] == [
        ("b@x", "excluded from every mentor")
    ]


def test_it_leaves_out_mentors_without_orientation_unless_overridden():
    mentees = [mentee("a@x")]
    mentors = [mentor("m@x", orientation_done=False)]
    result = match(mentees, mentors, MatchOptions(span=SPAN))
    assert [u.reason for u in result.unmatched] == ["no mentor has done orientation"]
    overridden = match(mentees, mentors, MatchOptions(span=SPAN, orientation_overrides=["M@x"]))
    assert [p.mentor for p in overridden.pairs] == ["m@x"]


def test_it_needs_a_shared_stretch_as_long_as_a_session():
    # Given 45 minutes in common across New York and London in January (five hours apart).
    mentees = [mentee("a@x", "Mon 15:00-15:45")]
    mentors = [mentor("m@x", "Mon 09:00-12:00", timezone="America/New_York")]
    result = match(mentees, mentors, MatchOptions(span=SPAN))
    assert [u.reason for u in result.unmatched] == [
        "no shared time of at least 60 minutes with any mentor"
    ]
    shorter = match(mentees, mentors, MatchOptions(span=SPAN, session_minutes=45))
    assert [p.shared_hours_per_week for p in shorter.pairs] == [0.75]


def test_it_says_when_a_mentee_gave_no_availability():
    result = match([mentee("a@x", "")], [mentor("m@x")], MatchOptions(span=SPAN))
    assert [u.reason for u in result.unmatched] == ["no availability given"]


def test_participation_pairs_more_mentees_and_score_first_pairs_better():
    # Given: "a" suits m1 well and m2 poorly; "b" can meet only m1 and suits it poorly.
    mentees = [
        mentee("a@x", "Mon 09:00-12:00; Tue 09:00-12:00", goals=("budgets",), languages=("en",)),
        mentee("b@x", "Mon 09:00-10:00"),
    ]
    mentors = [
        mentor("m1@x", "Mon 09:00-12:00", skills=("budgets",), languages=("en",)),
        mentor("m2@x", "Tue 09:00-10:00"),
    ]
    participation = match(mentees, mentors, MatchOptions(span=SPAN))
    score_first = match(mentees, mentors, MatchOptions(span=SPAN, objective="score"))
    assert [(p.mentee, p.mentor) for p in participation.pairs] == [("a@x", "m2@x"), ("b@x", "m1@x")]
    assert [(p.mentee, p.mentor) for p in score_first.pairs] == [("a@x", "m1@x")]
    assert [(u.mentee, u.reason) for u in score_first.unmatched] == [
        ("b@x", "no mentor with free capacity")
    ]
    # b with m1 scores 30: time 15 (one hour) and format 15 (either with either).
    strict = match(mentees, mentors, MatchOptions(span=SPAN, objective="score", min_score=35))
    assert [u.reason for u in strict.unmatched] == ["no mentor scores at least 35"]


@pytest.mark.parametrize("objective", ["participation", "score"])
def test_the_greedy_baseline_never_beats_the_optimum(objective):
    rng = random.Random(7)
    mentees, mentors, _ = random_programme(rng, 60, 15, 3)
    options = MatchOptions(span=MARCH, objective=objective)
    table = build_table(mentees, mentors, options)
    optimal, greedy = match(mentees, mentors, options), greedy_match(mentees, mentors, options)
    best = assignment_key(table, indexed(optimal, mentees, mentors), objective)
    assert best >= assignment_key(table, indexed(greedy, mentees, mentors), objective)


def test_it_renders_the_json_the_match_command_prints():
    mentees = [mentee("a@x", goals=("Budgets ",), languages=("EN",)), mentee("b@x", "")]
    mentors = [mentor("m@x", "Mon 10:00-11:30", skills=("budgets",), languages=("en",))]
    shown = json.loads(render_json(match(mentees, mentors, MatchOptions(span=SPAN))))
    assert shown == {
        "pairs": [
            {
                "mentee": "a@x",
                "mentor": "m@x",
                "score": 92.5,
                "parts": {"goals": 40.0, "time": 22.5, "format": 15.0, "language": 15.0},
                "shared_hours_per_week": 1.5,
            }
        ],
        "unmatched": [{"mentee": "b@x", "reason": "no availability given"}],
    }


def test_score_pair_agrees_with_the_score_matrix():
    rng = random.Random(3)
    mentees, mentors, _ = random_programme(rng, 6, 4, 2)
    hours = [[rng.uniform(0, 3) for _ in mentors] for _ in mentees]
    total, parts = score_matrix(mentees, mentors, np.array(hours))
    for i, a in enumerate(mentees):
        for j, b in enumerate(mentors):
            score, named = score_pair(a, b, hours[i][j])
            assert score == pytest.approx(total[i, j])
            assert named == pytest.approx({k: v[i, j] for k, v in parts.items()})
            assert sum(named.values()) == pytest.approx(score)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("One-to-one", "one-to-one"),
        (" one to one ", "one-to-one"),
        ("GROUP", "group"),
        ("pairs", None),
    ],
)
def test_it_reads_formats_and_rejects_others(text, name):
    if name is None:
        with pytest.raises(ProfileError, match="'pairs' is not a format"):
            parse_format(text)
    else:
        assert parse_format(text) == name
