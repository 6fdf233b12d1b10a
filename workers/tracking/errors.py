"""The errors progress tracking raises."""

from __future__ import annotations


class TrackingError(Exception):
    """Base of the errors progress tracking raises."""


class UnknownEventKind(TrackingError, ValueError):
    """An event's kind is not one of ``EVENT_KINDS``."""


class UnknownOutcome(TrackingError, ValueError):
    """An intervention's outcome is not one of ``OUTCOMES``."""
