"""What can be wrong with an assignment or a review given on the page or by reply."""

from __future__ import annotations


class AssignmentError(ValueError):
    """Base for values an assignment or a review cannot take; ``field`` names the form field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class InvalidAssignment(AssignmentError):
    """A title, kind, due date, answer key or reminder list Tandem cannot use."""


class InvalidReview(AssignmentError):
    """A score or feedback Tandem cannot record."""
