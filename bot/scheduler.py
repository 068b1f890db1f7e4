"""The scheduler: one APScheduler interval job that delivers what the outbox holds.

There is deliberately no APScheduler job per reminder: jobs held in memory vanish with
the process, and a job store's default misfire grace of one second silently drops
reminders that fell due during a restart. The outbox rows are the schedule.

On PostgreSQL every instance runs the job (claims use `FOR UPDATE SKIP LOCKED`). On
SQLite one process holds the scheduler, by an exclusive lock on a file next to the
database; another instance logs that it is not the scheduler.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import IO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.community_publisher import publish_due
from bot.metrics import Metrics
from bot.notifier import deliver_due
from bot.sender import Sender
from handlers.community_views import render_digest, render_post
from handlers.notices import decide
from models import utcnow
from services import bookings, payments

log = logging.getLogger(__name__)


def sqlite_lock(database_url: str) -> IO[str] | None:
    """Take the scheduler lock of a SQLite database; None if another process holds it.

    The lock is released when the process ends, however it ends.
    """
    database = make_url(database_url).database or "gigbot.db"
    path = Path(f"{database}.scheduler.lock") if database != ":memory:" else None
    if path is None:
        return None
    handle = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


async def sweep(sessions: async_sessionmaker[AsyncSession], admin_ids: list[int]) -> None:
    """Holds whose payment did not come expire (their seats freed), and refunds due are
    queued for the operator's admins, before the outbox is delivered."""
    now = utcnow()
    async with sessions() as session:
        expired = await bookings.expire_holds(session, now=now)
        told = await payments.due_refunds(session, admin_ids, now=now)
        await session.commit()
    if expired or told:
        log.info("holds expired: %d; refunds due told: %d", len(expired), told)


class Scheduler:
    """Runs `deliver_due` every few seconds while the bot runs."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sender: Sender,
        *,
        database_url: str,
        interval_seconds: float,
        lease_seconds: float = 120.0,
        admin_ids: Sequence[int] = (),
        metrics: Metrics | None = None,
    ) -> None:
        self._sessions = sessions
        self._metrics = metrics or Metrics()
        self.last_run = time.time()  # the health check's reference until the first run
        self._admin_ids = list(admin_ids)
        self._sender = sender
        self._database_url = database_url
        self._interval = interval_seconds
        self._lease = timedelta(seconds=lease_seconds)
        self._scheduler: AsyncIOScheduler | None = None
        self._lock: IO[str] | None = None

    async def start(self) -> bool:
        """Start the job (on the running event loop); False when another process is the
        scheduler (SQLite)."""
        if self._database_url.startswith("sqlite"):
            self._lock = sqlite_lock(self._database_url)
            if self._lock is None:
                log.info("another process holds the scheduler of this database; not scheduling")
                return False
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._scheduler.add_job(
            self.run_once,
            "interval",
            seconds=self._interval,
            max_instances=1,  # a slow run is never overlapped by the next
            coalesce=True,
            misfire_grace_time=None,  # a late run still runs
            id="deliver_due",
        )
        self._scheduler.start()
        log.info("scheduler started: every %s s", self._interval)
        return True

    @property
    def active(self) -> bool:
        """Whether this instance runs the scheduler (on SQLite only one process does)."""
        return self._scheduler is not None

    async def run_once(self) -> None:
        """Deliver what is due now (and what fell due while nobody was running)."""
        try:
            await self._run()
        finally:
            self.last_run = time.time()

    async def _run(self) -> None:
        errors = self._metrics.errors.labels("scheduler")
        try:
            await sweep(self._sessions, self._admin_ids)
        except Exception:
            errors.inc()
            log.exception("sweeping holds and refunds failed; retrying at the next run")
        try:
            outcome = await deliver_due(
                self._sessions, self._sender, decide=decide, now=utcnow(), lease=self._lease
            )
        except Exception:
            errors.inc()
            log.exception("delivering notifications failed; retrying at the next run")
            return
        for status, count in outcome.items():
            self._metrics.notifications.labels(status).inc(count)
        if outcome:
            log.info("notifications: %s", dict(outcome))
        try:
            posts = await publish_due(
                self._sessions,
                self._sender,
                render=render_post,
                render_digest=render_digest,
                now=utcnow(),
            )
        except Exception:
            errors.inc()
            log.exception("posting to communities failed; retrying at the next run")
            return
        if posts:
            log.info("community posts: %s", dict(posts))

    async def shutdown(self) -> None:
        """Stop, as a dispatcher shutdown hook (aiogram runs plain functions in a thread)."""
        self.stop()

    def stop(self) -> None:
        """Stop the job and release the lock."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None
