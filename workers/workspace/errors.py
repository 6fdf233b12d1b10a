"""The workspace's errors: each says, in its message, what a coordinator should fix."""

from __future__ import annotations


class WorkspaceError(ValueError):
    """Something a coordinator asked for cannot be done as asked; ``field`` names the input."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class InvalidValue(WorkspaceError):
    """One value (an email, a time zone, a role...) is not one Tandem accepts."""


class ProgrammeError(WorkspaceError):
    """A programme cannot be created or changed as asked."""


class PersonError(WorkspaceError):
    """A person cannot be created or changed as asked."""


class MetricError(WorkspaceError):
    """A metric cannot be defined, changed or given a value as asked."""


class ItemError(WorkspaceError):
    """An action item cannot be added or changed as asked."""


class CsvFileError(WorkspaceError):
    """A file cannot be read as a table of people at all (empty, no email column...)."""


class InvalidRowsError(WorkspaceError):
    """Some rows are bad, so nothing was imported; ``bad`` lists them."""

    def __init__(self, bad: list) -> None:
        super().__init__(f"{len(bad)} bad row(s); nothing was imported")
        self.bad = bad
