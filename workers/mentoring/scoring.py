"""How well a mentor suits a mentee: goals against skills, shared time, format and language.

A pair's score is the sum of four weighted parts, each worth at most its weight, so a score
reads as points out of ``MAX_SCORE`` and each part says where the points came from.
``score_pair`` scores one pair; ``score_matrix`` scores every pair at once with numpy and
gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from workers.mentoring.availability import Span, Window, erode, expand, overlap_matrix

#: Points for goals: the share of the mentee's goals that the mentor's skills cover.
WEIGHT_GOALS = 40.0

#: Points for time: shared hours per week, up to ``TIME_CAP_HOURS``.
WEIGHT_TIME = 30.0

#: Points for format: one-to-one, group or either, as the fit table below says.
WEIGHT_FORMAT = 15.0

#: Points for language: at least one language in common.
WEIGHT_LANGUAGE = 15.0

#: The best score a pair can have.
MAX_SCORE = WEIGHT_GOALS + WEIGHT_TIME + WEIGHT_FORMAT + WEIGHT_LANGUAGE

#: Shared hours per week that earn every time point; more time than this adds nothing.
TIME_CAP_HOURS = 2.0

#: The formats a person may prefer, in the order of ``FORMAT_FIT``.
FORMATS = ("one-to-one", "group", "either")

#: Fit of a mentee's format (row) with a mentor's (column), as a share of the format points.
FORMAT_FIT = np.array(
    [
        [1.0, 0.0, 0.75],
        [0.0, 1.0, 0.75],
        [0.75, 0.75, 1.0],
    ]
)

#: The names of a score's parts, in the order they are added.
PARTS = ("goals", "time", "format", "language")


class ProfileError(ValueError):
    """A profile value (such as a format) that cannot be read."""


@dataclass
class MenteeProfile:
    """What matching needs to know about a mentee."""

    email: str
    timezone: str
    department: str = ""
    goals: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    format: str = "either"
    availability: tuple[Window, ...] = ()


@dataclass
class MentorProfile:
    """What matching needs to know about a mentor."""

    email: str
    timezone: str
    department: str = ""
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    format: str = "either"
    capacity: int = 1
    availability: tuple[Window, ...] = ()
    orientation_done: bool = False


@dataclass(frozen=True)
class Pair:
    """A mentee with a mentor: the score, its parts and their shared hours per week."""

    mentee: str
    mentor: str
    score: float
    parts: dict[str, float]
    shared_hours_per_week: float
    locked: bool = False

    def as_dict(self) -> dict:
        """Return the pair in the shape the match command prints, rounded for reading."""
        return {
            "mentee": self.mentee,
            "mentor": self.mentor,
            "score": round(self.score, 2),
            "parts": {name: round(value, 2) for name, value in self.parts.items()},
            "shared_hours_per_week": round(self.shared_hours_per_week, 2),
        }


@dataclass
class PairScores:
    """Every (mentee, mentor) pair as matrices: shared hours, whether a session fits, scores."""

    mentees: Sequence[MenteeProfile]
    mentors: Sequence[MentorProfile]
    hours: np.ndarray
    fits: np.ndarray
    score: np.ndarray
    parts: dict[str, np.ndarray]

    def pair(self, i: int, j: int, locked: bool = False) -> Pair:
        """Return mentee ``i`` with mentor ``j`` as a Pair."""
        parts = {name: float(values[i, j]) for name, values in self.parts.items()}
        who = (self.mentees[i].email, self.mentors[j].email)
        return Pair(*who, float(self.score[i, j]), parts, float(self.hours[i, j]), locked)


def split_tags(text: str) -> tuple[str, ...]:
    """Split a semicolon-separated cell (``Public speaking; budgets``) into tags."""
    return tuple(piece.strip() for piece in text.split(";") if piece.strip())


def normalise_tags(tags: Iterable[str]) -> frozenset[str]:
    """Return tags trimmed, lower-cased and with inner spaces collapsed, for comparing."""
    return frozenset(" ".join(tag.split()).lower() for tag in tags if tag.strip())


def parse_format(text: str) -> str:
    """Return the format named by ``text`` (``One-to-one``, ``group``, ``either``)."""
    name = "-".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
    if name not in FORMATS:
        raise ProfileError(f"{text!r} is not a format; use one-to-one, group or either")
    return name


def score_pair(
    mentee: MenteeProfile, mentor: MentorProfile, hours_per_week: float
) -> tuple[float, dict[str, float]]:
    """Score one pair given its shared hours per week; return the total and its parts."""
    goals = normalise_tags(mentee.goals)
    covered = len(goals & normalise_tags(mentor.skills)) / len(goals) if goals else 0.0
    fit = FORMAT_FIT[FORMATS.index(parse_format(mentee.format))]
    common = normalise_tags(mentee.languages) & normalise_tags(mentor.languages)
    parts = {
        "goals": WEIGHT_GOALS * covered,
        "time": WEIGHT_TIME * min(hours_per_week / TIME_CAP_HOURS, 1.0),
        "format": WEIGHT_FORMAT * float(fit[FORMATS.index(parse_format(mentor.format))]),
        "language": WEIGHT_LANGUAGE * (1.0 if common else 0.0),
    }
    return sum(parts.values()), parts


def score_matrix(
    mentees: Sequence[MenteeProfile], mentors: Sequence[MentorProfile], hours: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Score every pair given a (mentees x mentors) matrix of shared hours per week."""
    goals = _incidence([m.goals for m in mentees], [m.skills for m in mentors])
    wanted = goals[0].sum(axis=1, keepdims=True)
    covered = (goals[0] @ goals[1].T) / np.maximum(wanted, 1.0)
    tongues = _incidence([m.languages for m in mentees], [m.languages for m in mentors])
    mentee_formats = np.array([FORMATS.index(parse_format(m.format)) for m in mentees], int)
    mentor_formats = np.array([FORMATS.index(parse_format(m.format)) for m in mentors], int)
    parts = {
        "goals": WEIGHT_GOALS * covered,
        "time": WEIGHT_TIME * np.minimum(hours / TIME_CAP_HOURS, 1.0),
        "format": WEIGHT_FORMAT * FORMAT_FIT[np.ix_(mentee_formats, mentor_formats)],
        "language": WEIGHT_LANGUAGE * ((tongues[0] @ tongues[1].T) > 0),
    }
    return parts["goals"] + parts["time"] + parts["format"] + parts["language"], parts


def score_pairs(
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    span: Span,
    session_minutes: int = 60,
) -> PairScores:
    """Lay everyone's windows on the span's real minutes once, then score every pair."""
    left = [expand(m.availability, m.timezone, span) for m in mentees]
    right = [expand(m.availability, m.timezone, span) for m in mentors]
    hours = overlap_matrix(left, right) / 60 / max(span.weeks, 1)
    fits = overlap_matrix(
        [erode(s, session_minutes) for s in left], [erode(s, session_minutes) for s in right]
    )
    score, parts = score_matrix(mentees, mentors, hours)
    return PairScores(mentees, mentors, hours, fits > 0, score, parts)


def _incidence(
    left: Sequence[Iterable[str]], right: Sequence[Iterable[str]]
) -> tuple[np.ndarray, np.ndarray]:
    """Return 0/1 matrices of which normalised tags each person on each side has."""
    left_sets = [normalise_tags(tags) for tags in left]
    right_sets = [normalise_tags(tags) for tags in right]
    vocabulary = {tag: i for i, tag in enumerate(sorted(set().union(*left_sets, *right_sets)))}
    matrices = []
    for sets in (left_sets, right_sets):
        matrix = np.zeros((len(sets), len(vocabulary)))
        for row, tags in enumerate(sets):
            matrix[row, [vocabulary[tag] for tag in tags]] = 1.0
        matrices.append(matrix)
    return matrices[0], matrices[1]
