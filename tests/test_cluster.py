"""Three `gigbot run` instances behind nginx (the project's deploy/ files) on PostgreSQL
and Redis, people conversing while instances are killed with SIGKILL and restarted:
every conversation completes, nothing is booked twice, no reminder is lost, every
instance handles updates and sends reminders. The full-size run (200 people) is
`python -m bench.cluster` (README, Production); this is its variant sized for CI."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bench.cluster import Scenario, run
from bot.notifier import BATCH
from tests.databases import empty_pg_database

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PEOPLE = 100  # the full 200: python -m bench.cluster (README, Production)
KILLS = 2


@pytest.mark.timeout(600)
def test_a_cluster_loses_nothing_when_instances_are_killed(pg_url: str, tmp_path: Path) -> None:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.fail("nginx is not installed (.ci/run installs it: apt-get install nginx)")
    asyncio.run(empty_pg_database(pg_url))
    scenario = Scenario(people=PEOPLE, instances=3, kills=KILLS, database_url=pg_url)
    outcome = asyncio.run(run(scenario, tmp_path, empty_database=False))
    print("\n" + outcome.summary())
    assert outcome.kills == KILLS
    assert outcome.errors == []
    assert outcome.lost == 0
    assert outcome.finished == PEOPLE
    assert outcome.duplicate_bookings == 0
    assert outcome.lost_reminders == 0
    # A message sent just before a kill, and not yet recorded as sent, is sent again
    # (at least once); the README's bound is the batch in flight per kill.
    assert outcome.duplicate_notices <= KILLS * BATCH
    assert all(outcome.handled_by), "an instance handled no update"
    assert all(outcome.sent_by), "an instance's scheduler sent nothing"
    # Each dialogue was served by several instances (round robin): the dialogue state
    # lived in Redis, not in one process.
    assert outcome.spanning == PEOPLE
