"""Why an inbound message was not applied: one exception family, the class name is the reason."""

from __future__ import annotations


class InboundError(Exception):
    """Base for every reason a stored message is kept in quarantine instead of applied."""

    def __init__(self, detail: str = "", **info) -> None:
        super().__init__(detail)
        self.detail = detail
        self.info = info

    @property
    def reason(self) -> str:
        """Return the quarantine reason: the class name."""
        return type(self).__name__


class UnreadableMessageError(InboundError):
    """The bytes could not be read as an email."""


class NoSenderError(InboundError):
    """The message has no usable From address."""


class EmailLoopError(InboundError):
    """The message comes from Tandem itself (its own address or one of its Message-IDs)."""


class DmarcFailError(InboundError):
    """A trusted server reported that the sender's domain failed DMARC."""


class UnknownEventError(InboundError):
    """A calendar reply names an event (UID) Tandem did not send."""


class CalendarSenderMismatchError(InboundError):
    """A calendar reply comes from someone other than the attendee it answers for."""


class StaleCalendarReplyError(InboundError):
    """A calendar reply answers an older version (SEQUENCE) than one already recorded."""


class InvalidTokenError(InboundError):
    """The reply address carries a forged, tampered or malformed token."""


class ExpiredTokenError(InboundError):
    """The reply address's token was genuine but has expired."""


class ExpiredThreadError(ExpiredTokenError):
    """The thread headers name a Tandem email older than a reply address on it would live."""


class SenderMismatchError(InboundError):
    """The sender is not the person the reply address was issued to."""


class UnmatchedReplyError(InboundError):
    """Nothing in the message says which Tandem email it answers."""


class EmptyReplyError(InboundError):
    """Once quoted text and signature are removed, nothing is left."""


class UncertainReadingError(InboundError):
    """A bounce or a reply was read with too little confidence to act on; a person should look."""


class NoApplierError(InboundError):
    """Replies about this kind of object cannot be applied."""


class UnknownObjectError(InboundError):
    """The object the reply answers no longer exists."""


class AmbiguousReplyError(InboundError):
    """The reply could be read more than one way; the sender is asked to clarify."""

    def __init__(
        self,
        detail: str = "",
        *,
        understood: list[str] | None = None,
        not_understood: list[str] | None = None,
        **info,
    ) -> None:
        super().__init__(detail, **info)
        self.understood = list(understood or [])
        self.not_understood = list(not_understood or [])


class ProcessingError(InboundError):
    """Reading the message failed unexpectedly; a coordinator should look at it."""
