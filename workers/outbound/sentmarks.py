"""Marks in Redis of emails a relay accepted, written the instant it says yes.

Recording a send in the database can wait on a lock for milliseconds; a worker killed in
that gap leaves the row "sending", and the scheduler would hand it to another worker that
sends it again. One Redis SET right after the relay's 250 shrinks that gap to a round trip,
and the next claimant checks the mark before sending.
"""

from __future__ import annotations

import logging

import redis

from workers.runtime.broker import broker

logger = logging.getLogger(__name__)

#: Marks outlive every lease and retry by far.
TTL_SECONDS = 7 * 24 * 3600

KEY_PREFIX = "tandem:sent:"


def _client() -> redis.Redis:
    return broker.client


def mark(message_id: str) -> None:
    """Remember that the relay accepted ``message_id`` (best effort: Redis may be down)."""
    try:
        _client().set(KEY_PREFIX + message_id, 1, ex=TTL_SECONDS)
    except redis.RedisError as exc:
        logger.warning("could not mark %s as sent: %s", message_id, exc)


def was_sent(message_id: str) -> bool:
    """Tell whether a relay already accepted ``message_id`` (False when Redis cannot say)."""
    try:
        return bool(_client().exists(KEY_PREFIX + message_id))
    except redis.RedisError:
        return False
