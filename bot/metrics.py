"""What one instance measures, in the Prometheus format (`prometheus-client`), and its
health check.

Each instance has its own registry (several instances can live in one test process).
Counters and the handling-time histogram are kept as things happen; the outbox's depth
and lag and the database pool's use are read when `/metrics` is scraped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models import Notification, utcnow

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0  # seconds a health check may take before it counts as failed
# Seconds a handled update may take, from a cached answer to a slow burst.
UPDATE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Metrics:
    """The instance's registry and its metrics."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.updates = Counter(
            "gigbot_updates",
            "Updates received, by type and outcome",
            ["type", "outcome"],
            registry=r,
        )
        self.update_seconds = Histogram(
            "gigbot_update_seconds",
            "Time to handle an update, by type",
            ["type"],
            buckets=UPDATE_BUCKETS,
            registry=r,
        )
        self.errors = Counter(
            "gigbot_errors", "Failures, by where they happened", ["where"], registry=r
        )
        self.sends = Counter(
            "gigbot_sends",
            "Bot API calls of the sender (notifications, posts), by result: ok, 429, 403, "
            "400, 5xx (a server or network error), retried, failed (given up)",
            ["result"],
            registry=r,
        )
        self.notifications = Counter(
            "gigbot_notifications",
            "Notifications this instance settled, by status",
            ["status"],
            registry=r,
        )
        self.outbox_depth = Gauge(
            "gigbot_outbox_depth", "Notifications due now and not yet sent", registry=r
        )
        self.outbox_lag = Gauge(
            "gigbot_outbox_lag_seconds",
            "How long the oldest notification due and not sent has been waiting",
            registry=r,
        )
        self.pool_checked_out = Gauge(
            "gigbot_db_pool_checked_out", "Database connections in use", registry=r
        )
        self.pool_size = Gauge("gigbot_db_pool_size", "Database pool size", registry=r)

    def count_send(self, result: str) -> None:
        """One result of the sender."""
        self.sends.labels(result).inc()

    async def scrape(
        self, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
    ) -> bytes:
        """The text exposition, the outbox and pool read now."""
        pool = engine.pool
        self.pool_checked_out.set(getattr(pool, "checkedout", lambda: 0)())
        self.pool_size.set(getattr(pool, "size", lambda: 0)())
        try:
            depth, oldest = await outbox_state(sessions, utcnow())
        except Exception as error:  # the database is down: /healthz says so; serve the rest
            log.warning("metrics: cannot read the outbox: %s", first_line(error))
            self.errors.labels("metrics").inc()
        else:
            self.outbox_depth.set(depth)
            self.outbox_lag.set(0 if oldest is None else (utcnow() - oldest).total_seconds())
        return generate_latest(self.registry)


async def outbox_state(
    sessions: async_sessionmaker[AsyncSession], now: datetime
) -> tuple[int, datetime | None]:
    """How many notifications are due and unsent at `now`, and the oldest one's due time."""
    async with sessions() as session:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(Notification.due_at)).where(
                    Notification.status.in_(("pending", "sending")), Notification.due_at <= now
                )
            )
        ).one()
    return int(count or 0), oldest


class SchedulerState(Protocol):
    """What the health check reads of the scheduler."""

    @property
    def active(self) -> bool:
        """Whether this instance runs the scheduler (on SQLite only one does)."""

    @property
    def last_run(self) -> float:
        """When its last run finished (time.time()), or when it started."""


@dataclass
class Health:
    """What `/healthz` checks: the database, Redis (when configured) and the scheduler."""

    engine: AsyncEngine
    redis_ping: Callable[[], Awaitable[object]] | None
    scheduler: SchedulerState
    stale_after: float  # seconds without a finished scheduler run that count as failure

    async def check(self) -> dict[str, str]:
        """The failed checks, each with its reason; empty when healthy."""
        failed: dict[str, str] = {}
        try:
            async with asyncio.timeout(CHECK_TIMEOUT), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:  # whatever the driver raises, the check failed
            failed["database"] = first_line(error)
        if self.redis_ping is not None:
            try:
                async with asyncio.timeout(CHECK_TIMEOUT):
                    await self.redis_ping()
            except Exception as error:
                failed["redis"] = first_line(error)
        if self.scheduler.active:
            waited = time.time() - self.scheduler.last_run
            if waited > self.stale_after:
                failed["scheduler"] = f"no run finished for {waited:.0f} s"
        return failed


def first_line(error: BaseException) -> str:
    """The first line of an error's message (its type when it has none)."""
    message = str(error).strip()
    return message.splitlines()[0][:200] if message else type(error).__name__
