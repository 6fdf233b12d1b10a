"""Match mentees to mentors: an optimal assignment within capacity, exclusions and shared time.

The procedure (``match``):

1. Lay everyone's weekly windows on the programme's real minutes once, and score every pair
   with matrices (``build_table``).
2. Keep locked pairs as they are and take their slots out of their mentors' capacity.
3. Give each mentor one column per free slot, a little cheaper the earlier the slot, so load
   spreads; give each mentee an "unmatched" column of its own, so every input solves.
4. Solve with ``scipy.optimize.linear_sum_assignment``. Under "participation" each pair also
   earns a bonus larger than any score total, so the most mentees are paired first.
5. Say in plain words why each mentee left over is unmatched.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from workers.mentoring import scoring
from workers.mentoring.availability import Span
from workers.mentoring.scoring import MenteeProfile, MentorProfile, Pair, PairScores

#: The objectives a programme may choose: pair the most mentees first, or the best scores.
OBJECTIVES = ("participation", "score")

#: Points taken off a pair for each mentee its mentor already has, to spread the load.
LOAD_PENALTY = 0.5

#: Under the "score" objective, pairs scoring below this are not worth making.
MIN_SCORE = 20.0


class MatchError(ValueError):
    """Matching options that name people who are not in the programme."""


@dataclass
class MatchOptions:
    """How a programme matches: its weeks, objective, session length and constraints."""

    span: Span
    objective: str = "participation"
    session_minutes: int = 60
    min_score: float = MIN_SCORE
    locked: Sequence[tuple[str, str]] = ()
    excluded_pairs: Sequence[tuple[str, str]] = ()
    exclude_same_department: bool = False
    orientation_overrides: Sequence[str] = ()
    ignore_orientation: bool = False


@dataclass(frozen=True)
class Unmatched:
    """A mentee left without a mentor, and why."""

    mentee: str
    reason: str


@dataclass
class MatchResult:
    """The pairs a matcher proposes and the mentees it could not pair."""

    pairs: list[Pair] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)

    @property
    def total_score(self) -> float:
        """Return the sum of every pair's score."""
        return sum(pair.score for pair in self.pairs)


@dataclass
class PairTable:
    """Every pair's scores, with the constraints that allow or forbid it."""

    scores: PairScores
    options: MatchOptions
    permitted: np.ndarray
    oriented: np.ndarray

    @property
    def allowed(self) -> np.ndarray:
        """Return which pairs every hard constraint (and the score threshold) allows."""
        allowed = self.scores.fits & self.permitted & self.oriented[None, :]
        if self.options.objective == "score":
            allowed &= self.scores.score >= self.options.min_score
        return allowed


def _key(email: str) -> str:
    return email.strip().lower()


def build_table(
    mentees: Sequence[MenteeProfile], mentors: Sequence[MentorProfile], options: MatchOptions
) -> PairTable:
    """Score every pair once and work out which pairs the constraints allow."""
    if options.objective not in OBJECTIVES:
        raise MatchError(f"{options.objective!r} is not an objective; use {OBJECTIVES}")
    scores = scoring.score_pairs(mentees, mentors, options.span, options.session_minutes)
    overrides = {_key(email) for email in options.orientation_overrides}
    oriented = [m.orientation_done or _key(m.email) in overrides for m in mentors]
    oriented = np.array(oriented, dtype=bool) | options.ignore_orientation
    return PairTable(scores, options, _permitted(mentees, mentors, options), oriented)


def _permitted(
    mentees: Sequence[MenteeProfile], mentors: Sequence[MentorProfile], options: MatchOptions
) -> np.ndarray:
    """Return which pairs the coordinator's exclusions leave possible."""
    permitted = np.ones((len(mentees), len(mentors)), dtype=bool)
    if options.exclude_same_department:
        # People without a department get a key of their own, so they never clash.
        a = np.array([_key(m.department) or f"\0{i}" for i, m in enumerate(mentees)], object)
        b = np.array([_key(m.department) or f"\1{j}" for j, m in enumerate(mentors)], object)
        permitted &= a[:, None] != b[None, :]
    for i, j in _indices(mentees, mentors, options.excluded_pairs):
        permitted[i, j] = False
    return permitted


def _indices(
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    pairs: Sequence[tuple[str, str]],
) -> list[tuple[int, int]]:
    """Turn (mentee email, mentor email) pairs into row and column numbers."""
    row = {_key(m.email): i for i, m in enumerate(mentees)}
    col = {_key(m.email): j for j, m in enumerate(mentors)}
    missing = [pair for pair in pairs if _key(pair[0]) not in row or _key(pair[1]) not in col]
    if missing:
        raise MatchError(f"{missing[0][0]} / {missing[0][1]}: not both in the programme")
    return [(row[_key(mentee)], col[_key(mentor)]) for mentee, mentor in pairs]


def match(
    mentees: Sequence[MenteeProfile], mentors: Sequence[MentorProfile], options: MatchOptions
) -> MatchResult:
    """Return the optimal assignment for ``options.objective`` (see the module's steps)."""
    table = build_table(mentees, mentors, options)
    pairs, load, allowed = _start(table)
    free = np.maximum(np.array([m.capacity for m in mentors], int) - load, 0)
    rows = [i for i in range(len(mentees)) if allowed[i][free > 0].any()]
    owner = np.repeat(np.arange(len(mentors)), free)
    for r, c in zip(*linear_sum_assignment(_cost(table, allowed, rows, free)), strict=True):
        if c < len(owner):
            pairs[rows[r]] = table.scores.pair(rows[r], int(owner[c]))
            load[owner[c]] += 1
    return _result(table, pairs, load)


def _start(table: PairTable) -> tuple[dict[int, Pair], np.ndarray, np.ndarray]:
    """Return the locked pairs, the load they put on mentors, and what is left allowed."""
    scores = table.scores
    locked = _indices(scores.mentees, scores.mentors, table.options.locked)
    load = np.bincount([j for _, j in locked], minlength=len(scores.mentors))
    allowed = table.allowed
    allowed[[i for i, _ in locked], :] = False
    return {i: scores.pair(i, j, locked=True) for i, j in locked}, load, allowed


def _cost(table: PairTable, allowed: np.ndarray, rows: list[int], free: np.ndarray) -> np.ndarray:
    """Return the cost matrix: one column per free mentor slot, then one unmatched per row."""
    owner = np.repeat(np.arange(len(free)), free)
    rank = np.concatenate([np.arange(n) for n in free] + [np.empty(0, int)])
    cost = np.zeros((len(rows), len(owner) + len(rows)))
    slots = cost[:, : len(owner)]
    slots[:] = table.scores.score[np.ix_(rows, owner)] - LOAD_PENALTY * rank
    if table.options.objective == "participation":
        # Worth more than any difference in score totals, so one more pair always wins.
        slots += (scoring.MAX_SCORE + LOAD_PENALTY * max(free, default=0)) * (len(rows) + 1)
    usable = allowed[np.ix_(rows, owner)] & (slots > 0)
    np.negative(slots, out=slots)
    slots[~usable] = np.inf
    return cost


def greedy_match(
    mentees: Sequence[MenteeProfile], mentors: Sequence[MentorProfile], options: MatchOptions
) -> MatchResult:
    """Return the baseline that takes allowed pairs in order of score while capacity lasts."""
    table = build_table(mentees, mentors, options)
    pairs, load, allowed = _start(table)
    capacity = [m.capacity for m in mentors]
    flat = np.flatnonzero(allowed)
    for index in flat[np.argsort(-table.scores.score.ravel()[flat], kind="stable")]:
        i, j = divmod(int(index), len(mentors))
        if i not in pairs and load[j] < capacity[j]:
            load[j] += 1
            pairs[i] = table.scores.pair(i, j)
    return _result(table, pairs, load)


def _result(table: PairTable, pairs: dict[int, Pair], load: np.ndarray) -> MatchResult:
    """List the pairs in the mentees' order, and each mentee left over with the reason."""
    full = load >= np.array([m.capacity for m in table.scores.mentors], int)
    unmatched = [
        Unmatched(m.email, _reason(table, i, full))
        for i, m in enumerate(table.scores.mentees)
        if i not in pairs
    ]
    return MatchResult([pairs[i] for i in sorted(pairs)], unmatched)


def _reason(table: PairTable, i: int, full: np.ndarray) -> str:
    """Say in plain words why mentee ``i`` has no mentor, most basic cause first."""
    options = table.options
    candidates = table.scores.fits[i] & table.permitted[i] & table.oriented
    if not table.scores.mentors:
        return "no mentors in the programme"
    if not table.oriented.any():
        return "no mentor has done orientation"
    if not table.permitted[i].any():
        return "excluded from every mentor"
    if not table.scores.mentees[i].availability:
        return "no availability given"
    if not table.scores.fits[i].any():
        return f"no shared time of at least {options.session_minutes} minutes with any mentor"
    if not candidates.any():
        return "every mentor with shared time is excluded or has not done orientation"
    if options.objective == "score":
        candidates &= table.scores.score[i] >= options.min_score
        if not candidates.any():
            return f"no mentor scores at least {options.min_score:g}"
    if full[candidates].all():
        return "no mentor with free capacity"
    return "pairing would lower the total score"


def result_as_dict(result: MatchResult) -> dict:
    """Return the result in the shape ``mentoring match --json`` prints."""
    return {
        "pairs": [pair.as_dict() for pair in result.pairs],
        "unmatched": [{"mentee": u.mentee, "reason": u.reason} for u in result.unmatched],
    }


def render_json(result: MatchResult) -> str:
    """Return the result as the JSON text ``mentoring match --json`` prints."""
    return json.dumps(result_as_dict(result), indent=2)
