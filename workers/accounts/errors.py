"""The accounts' errors: each says what to fix, and ``field`` names the form field it is about."""

from __future__ import annotations


class AccountError(ValueError):
    """A login, invitation or password change cannot be done as asked."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class PasswordError(AccountError):
    """The current password is wrong, or a new one is not acceptable."""


class LinkError(AccountError):
    """An invitation or reset link is malformed, forged, expired, revoked or used."""


class InvitationError(AccountError):
    """An invitation cannot be sent as asked (bad address, already a coordinator...)."""


class Throttled(AccountError):
    """The client tried too often; ``wait`` is how many seconds before it may try again."""

    def __init__(self, message: str, wait: int) -> None:
        super().__init__(message)
        self.wait = wait
