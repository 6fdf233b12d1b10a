"""Broker setup: configure Dramatiq on Redis, then import the actor modules."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from workers import settings as settings_mod
from workers.dbmiddleware import DatabaseMiddleware

_settings = settings_mod.get()

#: A worker that stops heartbeating for this long has its messages requeued (ms).
HEARTBEAT_TIMEOUT = 15_000

#: Chance, per million broker commands, of running queue maintenance (requeueing the
#: messages of dead workers); Dramatiq's default of 1,000 can leave them stranded for minutes.
MAINTENANCE_CHANCE = 20_000

broker = RedisBroker(
    url=_settings.redis_url,
    heartbeat_timeout=HEARTBEAT_TIMEOUT,
    maintenance_chance=MAINTENANCE_CHANCE,
    middleware=[
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(min_backoff=1_000, max_backoff=300_000, max_retries=8),
        DatabaseMiddleware(_settings.database_url),
    ],
)
dramatiq.set_broker(broker)

from workers import delivery, jobs, scheduler  # noqa: E402,F401  (registers the actors)
