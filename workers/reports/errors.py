"""The errors reports raise."""

from __future__ import annotations


class ReportError(Exception):
    """Base of the errors reports raise."""


class BadSchedule(ReportError, ValueError):
    """A report schedule's setting is out of range."""


class NoSuchProgramme(ReportError, LookupError):
    """A report names a programme that does not exist."""
