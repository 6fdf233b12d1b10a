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
    parsed: Any  # workers.reading.message.ParsedMessage
    reply_text: str
    late: bool = False
    #: What the applier's reader found ahead of the write transaction (None: not read yet).
    read: Any = None


#: Applier per object type; each returns a short summary of what it applied.
APPLIERS: dict[str, Callable[[ReplyContext], str]] = {}


def applier(
    object_type: str,
    read: Callable[[ReplyContext], None] | None = None,
    still_open: Callable[[int], bool] | None = None,
) -> Callable:
    """Register the decorated function as the applier for replies about ``object_type``.

    ``read``, when given, does the applier's reading (loading, parsing the words) before the
    write transaction and keeps it in ``ctx.read``, so the transaction holds the database
    for the writes alone; the applier must also work when ``ctx.read`` is None.
    ``still_open``, when given, tells whether an object still takes replies: a reply address
    about one that does is taken past the date it carries.
    """

    def register(func: Callable[[ReplyContext], str]) -> Callable[[ReplyContext], str]:
        func.read = read
        func.still_open = still_open
        APPLIERS[object_type] = func
        return func

    return register


def still_open(object_type: str, object_id: int) -> bool:
    """Tell whether the object still takes replies, whatever date its reply addresses carry."""
    check = getattr(APPLIERS.get(object_type), "still_open", None)
    return check is not None and check(object_id)


def read_ahead(func: Callable[[ReplyContext], str], ctx: ReplyContext) -> None:
    """Run the reader registered with applier ``func`` on ``ctx``, if it has one."""
    reader = getattr(func, "read", None)
    if reader is not None:
        reader(ctx)
