"""Match a generated programme optimally and greedily; time both and compare their scores.

Run: ``.venv/bin/python bench/bench_matching.py`` (``--mentees 2000 --mentors 500`` by default)

1. A seeded programme: mentees and mentors (capacities 1-4) in eight time zones, with weekly
   windows, goals and skills from one list of themes, languages, formats and departments,
   over twelve weeks that cross the March daylight-saving changes.
2. The optimal matcher (``match``, "participation") and the greedy baseline (pairs taken in
   score order), each timed on its own and then run again under tracemalloc for its peak.
3. The floor: ``linear_sum_assignment`` alone on a random matrix of the same solve's size.
Prints time, peak memory, pairs and total score for each, then the ratio of the scores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402

from workers.mentoring.availability import Span, Window  # noqa: E402
from workers.mentoring.matching import MatchOptions, greedy_match, match  # noqa: E402
from workers.mentoring.scoring import FORMATS, MenteeProfile, MentorProfile  # noqa: E402

#: Zones people live in, the first ones more often.
ZONES = [
    "Europe/London",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Asia/Tokyo",
]

#: Themes that goals and skills are drawn from.
THEMES = [f"theme {i}" for i in range(24)]

#: Languages besides English, which everybody but a few speaks.
LANGUAGES = ["French", "Spanish", "Hindi", "Japanese", "German"]

#: Seed for the generated programme, so runs compare.
SEED = 14


def windows(rng: random.Random) -> tuple[Window, ...]:
    """Return one to three weekly windows of one to three hours in local working hours."""
    chosen = set()
    for _ in range(rng.randint(1, 3)):
        start = rng.randrange(7 * 60, 19 * 60, 30)
        chosen.add(Window(rng.randrange(7), start, start + rng.choice([60, 90, 120, 180])))
    return tuple(sorted(chosen))


def person(rng: random.Random, email: str) -> dict:
    """Return the fields mentees and mentors share."""
    spoken = ["English"] if rng.random() < 0.9 else []
    return {
        "email": email,
        "timezone": rng.choice(ZONES),
        "department": f"Department {rng.randrange(12)}",
        "languages": tuple(spoken + rng.sample(LANGUAGES, rng.randint(0, 1))),
        "format": rng.choice(FORMATS),
        "availability": windows(rng),
    }


def programme(mentees: int, mentors: int) -> tuple[list[MenteeProfile], list[MentorProfile]]:
    """Generate the seeded programme's mentees and mentors."""
    rng = random.Random(SEED)
    left = [
        MenteeProfile(goals=tuple(rng.sample(THEMES, rng.randint(2, 4))), **person(rng, f"e{i}@x"))
        for i in range(mentees)
    ]
    right = [
        MentorProfile(
            skills=tuple(rng.sample(THEMES, rng.randint(3, 6))),
            capacity=rng.randint(1, 4),
            orientation_done=rng.random() < 0.95,
            **person(rng, f"m{j}@x"),
        )
        for j in range(mentors)
    ]
    return left, right


def measure(matcher, *args) -> tuple[float, float, object]:
    """Run ``matcher`` timed, then again traced; return (seconds, peak MiB, result)."""
    start = time.perf_counter()
    result = matcher(*args)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    matcher(*args)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return elapsed, peak, result


def floor(rows: int, slots: int) -> float:
    """Time linear_sum_assignment alone on a random matrix of the solve's shape."""
    cost = np.random.default_rng(SEED).random((rows, slots + rows))
    start = time.perf_counter()
    linear_sum_assignment(cost)
    return time.perf_counter() - start


def main() -> None:
    """Generate the programme, run both matchers and the floor, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=2000)
    parser.add_argument("--mentors", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=12)
    args = parser.parse_args()
    mentees, mentors = programme(args.mentees, args.mentors)
    options = MatchOptions(span=Span(dt.date(2026, 3, 2), args.weeks, "Europe/London"))
    slots = sum(m.capacity for m in mentors)
    print(f"mentees: {len(mentees)}, mentors: {len(mentors)}, slots: {slots}")
    figures = {}
    for name, matcher in (("optimal", match), ("greedy", greedy_match)):
        elapsed, peak, result = measure(matcher, mentees, mentors, options)
        figures[name] = result.total_score
        print(
            f"{name:8} {elapsed:6.2f} s, peak {peak:6.1f} MiB, paired {len(result.pairs)}, "
            f"total score {result.total_score:.1f}, unmatched {len(result.unmatched)}"
        )
    solve = floor(len(mentees), slots)
    print(f"floor:   {solve:6.2f} s, linear_sum_assignment alone on a random matrix that size")
    print(f"ratio optimal/greedy score: {figures['optimal'] / figures['greedy']:.3f} (target > 1)")


if __name__ == "__main__":
    main()
