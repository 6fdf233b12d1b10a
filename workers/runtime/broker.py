"""The Dramatiq broker on Redis with its middleware: every actor module imports this one first."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Pipelines,
    ShutdownNotifications,
    TimeLimit,
)

from workers import settings as settings_mod
from workers.runtime.dbmiddleware import DatabaseMiddleware, PatientRetries
from workers.runtime.heartbeat import TTL_SECONDS, Heartbeat

_settings = settings_mod.get()

#: A worker silent this long is dead and its unacknowledged messages go back to the queue
#: (ms), at the scheduler's next pass (``workers.runtime.dramatiq_redis``). Tandem's heartbeat
#: thread beats for the consumers every two seconds however busy the worker is, so a live
#: worker stays well inside it; Dramatiq's default is a minute. A message handed out twice is
#: harmless: actors claim their row in the database first.
HEARTBEAT_TIMEOUT = TTL_SECONDS * 1000

#: Chance, per million broker commands, that one runs queue maintenance (the pass that requeues
#: a dead worker's messages). Dramatiq's default of 1,000 left messages stranded for over seven
#: minutes; an idle worker sends several commands a second, so 20,000 means seconds.
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
        PatientRetries(min_backoff=1_000, max_backoff=300_000, max_retries=8),
        Heartbeat(),
        # Last, so that its "after" hooks run first: the retries see a database outage.
        DatabaseMiddleware(_settings.database_url),
    ],
)
dramatiq.set_broker(broker)
