"""What can go wrong in the mentoring cycle that a coordinator or a person can fix.

The matching core keeps its own value errors (``AvailabilityError``, ``ProfileError``,
``MatchError``); the steps around it raise these.
"""

from __future__ import annotations


class MentoringError(Exception):
    """Base for mentoring-cycle problems, with a message a coordinator can act on."""


class SettingsError(MentoringError):
    """A programme's matching settings, exclusions or guide are not usable."""


class ProposalError(MentoringError):
    """A step on a proposal is not allowed now (its state, or the pairs it would make)."""


class OrientationError(MentoringError):
    """An orientation session cannot be set up or recorded as asked."""


class AssessmentError(MentoringError):
    """A needs assessment cannot be sent or its answers cannot be taken."""


class UnreadableAnswersError(AssessmentError):
    """No answer in a reply or on the form could be read; ``problems`` says why."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class AssessmentLinkError(AssessmentError):
    """An assessment link is forged, tampered with, expired or for another purpose."""


class ExpiredLinkError(AssessmentLinkError):
    """An assessment link that was genuine but is too old."""


class SessionError(MentoringError):
    """A pair's or group's sessions cannot be scheduled, moved or cancelled as asked."""


class PairReplyError(MentoringError):
    """A reply about a pair's sessions, feedback or goals says nothing Tandem can apply."""
