"""gigbot as a cluster: instances of `gigbot run` behind nginx, on PostgreSQL and Redis,
with people conversing while instances are killed with SIGKILL and restarted.

The emulator plays Telegram: it delivers updates to nginx's webhook as Telegram does
(many chats at once, each chat in order, a failed or timed-out call delivered again).
nginx uses the project's own deploy/nginx files; each instance gets the environment of
deploy/systemd/gigbot@.service. Each person searches, opens an offer, books a time,
cancels it giving a reason (a dialogue step: the reason may reach another instance than
the question did), then rates an earlier booking and comments (another dialogue). A
feeder keeps queueing reminders to the providers while the people talk, so every
instance's scheduler claims some.

Measured: throughput and latency of the updates (from the person's tap to the bot's
answer in the chat), updates lost (a step with no answer), bookings and notifications
duplicated, redeliveries, and what each instance handled and sent.

    python -m bench.cluster [--people 200] [--instances 3] [--kills 2]
                            [--answer after_handling|at_once] [--compare] [--pg URL]

`--compare` runs, one after another in one invocation: one instance, the cluster, the
cluster with kills, and the cluster with kills answering at once (aiogram's default).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import aiohttp
import redis.asyncio as redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bench.conversation import lesson, word
from bench.databases import DEFAULT_URL, fresh_postgres
from bot.db import create_engine, create_sessionmaker
from bot.migrate import upgrade
from emulator import Emulator, EmuMessage, SimUser
from emulator.harness import free_port
from models import Booking, Notification, NotificationKind, utcnow
from services import bookings, offers, outbox
from services.users import TelegramProfile, touch_user

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SECRET = "cluster-secret_0123456789"  # noqa: S105 - the bench's own webhook secret
WEBHOOK_PATH = "/telegram/webhook"
# A provider each: people who share one would want the same free times of them (the
# first offered), and all but one would be told, rightly, that it was just taken.
PEOPLE_PER_PROVIDER = 1


@dataclass
class Scenario:
    """One run's shape."""

    people: int = 200
    instances: int = 3
    kills: int = 2
    answer: str = "after_handling"
    database_url: str = DEFAULT_URL
    redis_url: str = "redis://127.0.0.1:6379/0"
    update_lease: float = 5.0
    step_timeout: float = 60.0


@dataclass
class Outcome:
    """What one run measured."""

    scenario: Scenario
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    lost: int = 0  # steps the bot never answered
    lost_at: Counter[int] = field(default_factory=Counter)  # which step (1-14) of a talk
    finished: int = 0  # people whose whole conversation completed
    duplicate_bookings: int = 0
    duplicate_notices: int = 0
    lost_reminders: int = 0
    reminders: int = 0
    redeliveries: int = 0
    spanning: int = 0  # people whose updates more than one instance handled
    kills: int = 0
    handled_by: list[float] = field(default_factory=list)  # updates, per instance
    sent_by: list[float] = field(default_factory=list)  # notifications, per instance
    errors: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)  # the start of each notice sent twice

    @property
    def updates(self) -> int:
        """Updates answered."""
        return len(self.latencies)

    def percentile(self, share: float) -> float:
        """A latency percentile in milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    def summary(self) -> str:
        """One paragraph for the README."""
        s = self.scenario
        lines = [
            f"{s.instances} instance(s), {s.people} people, {self.kills} kills, {s.answer}:",
            f"  {self.updates} updates in {self.wall:.1f} s = "
            f"{self.updates / self.wall if self.wall else 0:.0f}/s; latency p50 "
            f"{self.percentile(0.5):.0f} ms, p95 {self.percentile(0.95):.0f} ms, "
            f"p99 {self.percentile(0.99):.0f} ms",
            f"  lost {self.lost} (at steps {dict(self.lost_at)}); finished "
            f"{self.finished}/{s.people}, {self.spanning} of them served by several instances",
            f"  duplicated: bookings {self.duplicate_bookings}, notices "
            f"{self.duplicate_notices} {self.duplicated[:5]}",
            f"  reminders {self.reminders}, lost {self.lost_reminders}; webhook redeliveries "
            f"{self.redeliveries}",
            f"  per instance: updates handled {[int(n) for n in self.handled_by]}, "
            f"notifications sent {[int(n) for n in self.sent_by]}",
        ]
        if self.errors:
            lines.append(f"  {len(self.errors)} errors, the first: {self.errors[:3]}")
        return "\n".join(lines)


# --- the processes -------------------------------------------------------------------------


def unit_environment(port: int) -> dict[str, str]:
    """The `Environment=` settings of deploy/systemd/gigbot@.service for instance `port`."""
    unit = (DEPLOY / "systemd" / "gigbot@.service").read_text()
    found = {}
    for line in unit.splitlines():
        if line.startswith("Environment="):
            name, _, value = line.removeprefix("Environment=").partition("=")
            found[name] = value.replace("%i", str(port))
    return found


def nginx_config(directory: Path, listen: int, ports: list[int]) -> Path:
    """A main nginx.conf around the project's deploy/nginx upstream and webhook files,
    with the instances' ports in the upstream, writing only under `directory`."""
    upstream = (DEPLOY / "nginx" / "gigbot-upstream.conf").read_text()
    template = re.search(r"^(\s*)server 127\.0\.0\.1:\d+ (.*)$", upstream, re.MULTILINE)
    assert template is not None, "deploy/nginx/gigbot-upstream.conf lists no instance"
    servers = "\n".join(
        f"{template.group(1)}server 127.0.0.1:{port} {template.group(2)}" for port in ports
    )
    upstream = re.sub(r"^\s*server 127\.0\.0\.1:\d+ .*\n", "", upstream, flags=re.MULTILINE)
    upstream = upstream.replace(
        "upstream gigbot_instances {\n", f"upstream gigbot_instances {{\n{servers}\n"
    )
    (directory / "upstream.conf").write_text(upstream)
    shutil.copy(DEPLOY / "nginx" / "gigbot-webhook.conf", directory / "webhook.conf")
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / temp).mkdir(mode=0o777, exist_ok=True)
    config = directory / "nginx.conf"
    config.write_text(
        f"""worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/upstream.conf;
    server {{
        listen 127.0.0.1:{listen};
        include {directory}/webhook.conf;
    }}
}}
"""
    )
    return config


@dataclass
class Instance:
    """One `gigbot run` process and how to (re)start it."""

    port: int
    env: dict[str, str]
    directory: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0
    # What earlier processes on this port handled and sent (read just before each kill).
    handled_before: float = 0.0
    sent_before: float = 0.0

    async def start(self) -> None:
        """Start the process and wait until its /healthz answers 200."""
        self.starts += 1
        log = (self.directory / f"instance-{self.port}-{self.starts}.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=self.directory,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        log.close()
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as client:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise RuntimeError(f"instance {self.port} exited; see {log.name}")
                try:
                    async with client.get(f"http://127.0.0.1:{self.port}/healthz") as answer:
                        if answer.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"instance {self.port} did not become healthy; see {log.name}")

    async def kill(self) -> None:
        """SIGKILL: no goodbye, whatever it was doing (its counts read just before)."""
        assert self.process is not None
        samples = await self.metrics()
        self.handled_before += handled(samples)
        self.sent_before += sent(samples)
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        """SIGTERM, as systemd stops it."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    async def metrics(self) -> Samples:
        """Its /metrics samples."""
        async with (
            aiohttp.ClientSession() as client,
            client.get(f"http://127.0.0.1:{self.port}/metrics") as answer,
        ):
            page = await answer.text()
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(page)
            for sample in family.samples
        }


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def handled(samples: Samples) -> float:
    """Updates an instance handled (since it started)."""
    return sum(
        value
        for (name, labels), value in samples.items()
        if name == "gigbot_updates_total" and ("outcome", "handled") in labels
    )


def sent(samples: Samples) -> float:
    """Notifications an instance's scheduler sent (since it started)."""
    return samples.get(("gigbot_notifications_total", (("status", "sent"),)), 0.0)


# --- the world ---------------------------------------------------------------------------


async def seed(database_url: str, people: list[SimUser], providers: list[SimUser]) -> None:
    """An offer per person (found by a made-up word), and a booking of each person's that
    happened two days ago and was completed: its review request is waiting."""
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    start = (utcnow() - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    async with sessions() as session:
        provider_users = [
            await touch_user(session, TelegramProfile(id=p.id, first_name=p.account.first_name))
            for p in providers
        ]
        for n, person in enumerate(people):
            customer = await touch_user(
                session, TelegramProfile(id=person.id, first_name=person.account.first_name)
            )
            provider = provider_users[n // PEOPLE_PER_PROVIDER]
            data = lesson(f"Lesson {word(n)}")
            offer = await offers.create_offer(session, provider, data, default_timezone="UTC")
            earlier = start + timedelta(minutes=30 * (n % 40))
            booked = await bookings.book(
                session, customer, offer.id, earlier, now=earlier - timedelta(days=3)
            )
            await bookings.change(
                session,
                provider,
                booked.booking.id,
                bookings.Transition.COMPLETE,
                now=earlier + timedelta(hours=1),
            )
        await session.commit()
    await engine.dispose()


async def feed_reminders(
    database_url: str, providers: list[SimUser], stop: asyncio.Event, queued: list[str]
) -> None:
    """Queue reminders to the providers in turn until stopped, each due at once, so each
    scheduler run of each instance finds some: one per provider every two seconds (a
    private chat takes a message a second), ten a second at most."""
    pause = max(2.0 / len(providers), 0.1)  # at most ten a second: a side show
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    try:
        number = 0
        while not stop.is_set():
            async with sessions() as session:
                key = f"cluster-reminder-{number}"
                await outbox.queue(
                    session,
                    outbox.Entry(
                        key=key,
                        recipient_id=providers[number % len(providers)].id,
                        kind=NotificationKind.MESSAGE,
                        due_at=utcnow(),
                        payload={"text": key},
                    ),
                )
                await session.commit()
            queued.append(key)
            number += 1
            with contextlib.suppress(TimeoutError):
                # At random moments: at a fixed period one scheduler, whose runs happen to
                # follow the feeder's, would claim them all.
                await asyncio.wait_for(stop.wait(), random.uniform(0, 2 * pause))
    finally:
        await engine.dispose()


def has_button(prefix: str) -> Callable[[EmuMessage], bool]:
    """Whether a message has a button whose data starts with `prefix`."""

    def check(message: EmuMessage) -> bool:
        return button(message, prefix) is not None

    return check


def buttons(message: EmuMessage) -> list[str]:
    """The callback data of the message's buttons."""
    rows = (message.reply_markup or {}).get("inline_keyboard") or []
    return [str(item["callback_data"]) for row in rows for item in row if item.get("callback_data")]


def button(message: EmuMessage, prefix: str) -> str | None:
    """The data of the message's first button starting with `prefix`."""
    return next((data for data in buttons(message) if data.startswith(prefix)), None)


def says(fragment: str) -> Callable[[EmuMessage], bool]:
    """Whether a message's text contains `fragment`."""
    return lambda message: fragment in (message.text or "")


class Progress:
    """Steps answered so far, and a way to wait for a number of them."""

    def __init__(self) -> None:
        self.steps = 0
        self._changed = asyncio.Event()

    def advance(self) -> None:
        """One more step answered."""
        self.steps += 1
        self._changed.set()

    async def reached(self, target: int) -> None:
        """Wait until `target` steps have been answered."""
        while self.steps < target:
            self._changed.clear()
            await self._changed.wait()


class StepLost(Exception):
    """The bot never answered a step."""


async def converse(
    emulator: Emulator, person: SimUser, number: int, outcome: Outcome, progress: Progress
) -> None:
    """One person's conversation; each step waits for the bot's answer in the chat."""
    timeout = outcome.scenario.step_timeout

    answered = 0

    async def step(mark: int, expect: Callable[[EmuMessage], bool]) -> EmuMessage:
        nonlocal answered
        began = time.perf_counter()
        try:
            reply = await emulator.wait_for_message(
                person.id, expect, after_seq=mark, timeout=timeout
            )
        except TimeoutError:
            raise StepLost from None
        outcome.latencies.append(time.perf_counter() - began)
        progress.advance()
        answered += 1
        return reply

    async def text(value: str, expect: Callable[[EmuMessage], bool]) -> EmuMessage:
        return await step(await person.send_nowait(value), expect)

    async def press(
        message: EmuMessage, prefix: str, expect: Callable[[EmuMessage], bool], choice: int = 0
    ) -> EmuMessage:
        offered = [data for data in buttons(message) if data.startswith(prefix)]
        assert offered, f"no {prefix} button"
        return await step(
            await person.press_nowait(message, offered[choice % len(offered)]), expect
        )

    try:
        await text("/start", says("Hi, "))
        await text("/find", says("What are you looking for"))
        found = await text(word(number), has_button("s-open:"))
        offer = await press(found, "s-open:", has_button("s-book:"))
        calendar = await press(offer, "s-book:", has_button("b-day:"))
        day = await press(calendar, "b-day:", has_button("b-time:"))
        note = await press(day, "b-time:", has_button("b-note-skip:"))
        summary = await press(note, "b-note-skip:", has_button("b-ok:"))
        card = await press(summary, "b-ok:", has_button("b-cancel:"))
        await press(card, "b-cancel:", has_button("b-why-skip"))
        await text("Plans changed", says("cancelled by the customer"))
        request = await step(0, has_button("r-star:"))  # the earlier booking's review request
        stars = [b for b in buttons(request) if b.startswith("r-star:") and b.endswith(":5")]
        await step(await person.press_nowait(request, stars[0]), says("You gave"))
        await text("Great lesson", says("Great lesson"))
    except StepLost:
        outcome.lost += 1
        outcome.lost_at[answered + 1] += 1
        last = [m for m in emulator.messages_in(person.id, include_deleted=True) if m.from_bot]
        outcome.errors.append(
            f"{person.account.first_name} waited in vain at step {answered + 1} (update "
            f"{person.last_update_id}); the bot's "
            f"last messages: {[((m.text or '')[:50], buttons(m)[:2]) for m in last[-3:]]}"
            if last
            else f"{person.account.first_name} heard nothing"
        )
        return
    outcome.finished += 1


# --- one run -------------------------------------------------------------------------------


async def run(scenario: Scenario, directory: Path, *, empty_database: bool = True) -> Outcome:
    """Start the emulator, nginx and the instances; let the people talk (killing
    instances as configured); stop everything; measure."""
    outcome = Outcome(scenario)
    if empty_database:
        await fresh_postgres(scenario.database_url, yes_drop=False)
    await upgrade(scenario.database_url)
    prefix = f"gigbot-cluster-{uuid.uuid4().hex[:8]}"
    emulator = Emulator()
    emulator.add_bot()
    emulator.webhook_timeout = 30.0
    await emulator.start()
    providers = [
        emulator.user(f"Pro{n}")
        for n in range((scenario.people + PEOPLE_PER_PROVIDER - 1) // PEOPLE_PER_PROVIDER)
    ]
    people = [emulator.user(f"P{n}") for n in range(scenario.people)]
    for someone in (*providers, *people):  # each has talked to the bot before
        emulator.private_chat(someone.account)
    await seed(scenario.database_url, people, providers)
    nginx_port = free_port()
    ports = [free_port() for _ in range(scenario.instances)]
    nginx_dir = directory / "nginx"
    nginx_dir.mkdir(parents=True, exist_ok=True)
    nginx = await asyncio.create_subprocess_exec(
        shutil.which("nginx") or "/usr/sbin/nginx",
        "-c",
        str(nginx_config(nginx_dir, nginx_port, ports)),
        "-p",
        str(nginx_dir),
        "-g",
        "daemon off;",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base_env = {
        "PATH": os.environ.get("PATH", ""),
        "BOT_TOKEN": emulator.bot.token,
        "TELEGRAM_API_URL": emulator.url,
        "DATABASE_URL": scenario.database_url,
        "REDIS_URL": scenario.redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "WEBHOOK_URL": f"http://127.0.0.1:{nginx_port}{WEBHOOK_PATH}",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_ANSWER": scenario.answer,
        "UPDATE_LEASE": str(scenario.update_lease),
        "SCHEDULER_INTERVAL": "0.5",
        "NOTIFICATION_LEASE": "30",
        "SEND_RATE": "200",
        "FLOOD_RATE": "100",
        "FLOOD_BURST": "100",
        "LOG_LEVEL": "INFO",
    }
    instances = [Instance(port, base_env | unit_environment(port), directory) for port in ports]
    stop_feeding = asyncio.Event()
    queued: list[str] = []
    try:
        await asyncio.gather(*(instance.start() for instance in instances))
        feeder = asyncio.create_task(
            feed_reminders(scenario.database_url, providers, stop_feeding, queued)
        )
        progress = Progress()
        expected_steps = 14 * scenario.people
        began = time.perf_counter()
        talks = asyncio.gather(
            *(converse(emulator, p, n, outcome, progress) for n, p in enumerate(people))
        )
        killer = asyncio.create_task(
            kill_during(instances, scenario.kills, progress, expected_steps, outcome)
        )
        await talks
        outcome.wall = time.perf_counter() - began
        await killer
        await until_every_instance_sends(instances, stop_feeding, feeder)
        await until_outbox_empty(scenario.database_url, outcome)
        for instance in instances:
            samples = await instance.metrics()
            outcome.handled_by.append(instance.handled_before + handled(samples))
            outcome.sent_by.append(instance.sent_before + sent(samples))
    finally:
        stop_feeding.set()
        await asyncio.gather(*(instance.stop() for instance in instances))
        nginx.send_signal(signal.SIGTERM)
        await nginx.wait()
        outcome.redeliveries = emulator.redeliveries
        await emulator.stop()
        client = redis.Redis.from_url(scenario.redis_url)
        keys = [key async for key in client.scan_iter(f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
    await count_duplicates(scenario.database_url, emulator, people, providers, queued, outcome)
    outcome.spanning = spanning_dialogues(directory)
    return outcome


def spanning_dialogues(directory: Path) -> int:
    """People whose updates were handled by more than one instance, from the instances'
    JSON logs (LOG_FORMAT=json, as the systemd unit sets it): their dialogues went on
    on another instance than they began on."""
    instances_of: dict[str, set[str]] = {}
    for log in directory.glob("instance-*.log"):
        port = log.name.split("-")[1]
        for line in log.read_text().splitlines():
            if '"gigbot.updates"' not in line:
                continue
            event = json.loads(line)
            if event.get("outcome") == "handled" and event.get("user"):
                instances_of.setdefault(event["user"], set()).add(port)
    return sum(1 for ports in instances_of.values() if len(ports) > 1)


async def kill_during(
    instances: list[Instance], kills: int, progress: Progress, expected: int, outcome: Outcome
) -> None:
    """Kill an instance (SIGKILL) at each of `kills` even points of the conversations'
    progress, and restart it a second later (systemd's RestartSec=1)."""
    for number in range(kills):
        target = expected * (number + 1) // (kills + 1)
        await progress.reached(target)
        victim = instances[number % len(instances)]
        await victim.kill()
        outcome.kills += 1
        await asyncio.sleep(1.0)
        await victim.start()


async def until_every_instance_sends(
    instances: list[Instance], stop: asyncio.Event, feeder: asyncio.Task[None]
) -> None:
    """Keep feeding reminders until every instance's scheduler has sent some, 30 s at
    most."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all([i.sent_before + sent(await i.metrics()) for i in instances]):
            break
        await asyncio.sleep(0.2)
    stop.set()
    await feeder


async def until_outbox_empty(database_url: str, outcome: Outcome, timeout: float = 60) -> None:
    """Wait until no notification due is pending or claimed (an error when some stay)."""
    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            async with create_sessionmaker(engine)() as session:
                waiting = await session.scalar(
                    select(func.count())
                    .select_from(Notification)
                    .where(
                        Notification.status.in_(("pending", "sending")),
                        Notification.due_at <= utcnow(),
                    )
                )
            if not waiting:
                return
            await asyncio.sleep(0.2)
        outcome.errors.append(f"{waiting} notifications still unsent after {timeout:.0f} s")
    finally:
        await engine.dispose()


async def count_duplicates(
    database_url: str,
    emulator: Emulator,
    people: list[SimUser],
    providers: list[SimUser],
    queued: list[str],
    outcome: Outcome,
) -> None:
    """Bookings per person (one live booking each), the same notice twice in a
    provider's chat, and reminders that never arrived."""
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            per_customer = Counter(
                (
                    await session.scalars(
                        select(Booking.customer_id).where(
                            Booking.created_at > utcnow() - timedelta(hours=1)
                        )
                    )
                ).all()
            )
    finally:
        await engine.dispose()
    outcome.duplicate_bookings = sum(count - 1 for count in per_customer.values() if count > 1)
    received: Counter[str] = Counter()
    for provider in providers:
        texts = Counter(m.text or "" for m in emulator.messages_in(provider.id) if m.from_bot)
        twice = {text: count for text, count in texts.items() if count > 1}
        outcome.duplicate_notices += sum(count - 1 for count in twice.values())
        outcome.duplicated.extend(text[:40] for text in twice)
        received.update(texts)
    for person in people:
        requests = [
            m for m in emulator.messages_in(person.id) if m.from_bot and button(m, "r-star:")
        ]
        outcome.duplicate_notices += max(0, len(requests) - 1)
    outcome.reminders = len(queued)
    outcome.lost_reminders = sum(1 for key in queued if not received[key])


# --- the command ---------------------------------------------------------------------------


async def main() -> None:
    """Parse the arguments, run the scenario(s), print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--answer", choices=["after_handling", "at_once"], default="after_handling")
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--pg", default=DEFAULT_URL.replace("gigbot_bench", "gigbot_bench_cluster"))
    args = parser.parse_args()
    if args.compare:
        scenarios = [
            Scenario(args.people, 1, 0, "after_handling", args.pg),
            Scenario(args.people, args.instances, 0, "after_handling", args.pg),
            Scenario(args.people, args.instances, args.kills, "after_handling", args.pg),
            Scenario(args.people, args.instances, args.kills, "at_once", args.pg, step_timeout=20),
        ]
    else:
        scenarios = [Scenario(args.people, args.instances, args.kills, args.answer, args.pg)]
    for scenario in scenarios:
        with tempfile.TemporaryDirectory(prefix="gigbot-cluster-") as directory:
            outcome = await run(scenario, Path(directory))
        print(outcome.summary(), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
