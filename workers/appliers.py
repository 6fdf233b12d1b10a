"""The registry of appliers: what a reply about each kind of object changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models import InboundMessage, Person


@dataclass
class ReplyContext:
    """Everything an applier needs to apply one reply from one person about one object."""

    message: InboundMessage
    person: Person
    object_type: str
    object_id: int
    parsed: Any  # workers.message.ParsedMessage
    reply_text: str
    late: bool = False


#: Applier per object type; each returns a short summary of what it applied.
APPLIERS: dict[str, Callable[[ReplyContext], str]] = {}


def applier(object_type: str) -> Callable:
    """Register the decorated function as the applier for replies about ``object_type``."""

    def register(func: Callable[[ReplyContext], str]) -> Callable[[ReplyContext], str]:
        APPLIERS[object_type] = func
        return func

    return register
