"""The assembled application and its two ways of receiving updates: polling and webhook."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.webhook.aiohttp_server import setup_application
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.calendar_server import add_calendar_routes
from bot.commands import publish_menus
from bot.config import Settings
from bot.db import create_engine, create_sessionmaker
from bot.dispatcher import build_dispatcher, create_storage, shared_redis
from bot.metrics import Health, Metrics
from bot.middlewares import CommitBeforeSending, KeepResponseModels, StepOutWhileSending
from bot.scheduler import Scheduler
from bot.sender import Sender
from bot.signals import until_stopped
from bot.startup import StartupError, check_bot_api, check_redis, prepare_database, reason
from bot.webhook import CheckedRequestHandler

log = logging.getLogger(__name__)


@dataclass
class Gigbot:
    """Everything one running instance holds."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    bot: Bot
    dispatcher: Dispatcher
    storage: BaseStorage
    scheduler: Scheduler
    metrics: Metrics
    health: Health


def add_request_middlewares(session: BaseSession) -> None:
    """What runs around every Bot API call: commit the update's session first, step out
    of the admission gate for the round trip, keep aiogram's response models."""
    session.middleware(CommitBeforeSending())
    session.middleware(StepOutWhileSending())
    session.middleware(KeepResponseModels())


def create_bot(settings: Settings) -> Bot:
    """The Bot API client, talking to TELEGRAM_API_URL when set (self-hosted server or emulator)."""
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
        if settings.telegram_api_url
        else AiohttpSession()
    )
    add_request_middlewares(session)
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def assemble(settings: Settings) -> Gigbot:
    """Create the engine, bot and dispatcher of one instance (no I/O yet)."""
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    storage, isolation = create_storage(settings)
    metrics = Metrics()
    dispatcher = build_dispatcher(settings, sessionmaker, storage, isolation, metrics)
    bot = create_bot(settings)
    scheduler = Scheduler(
        sessionmaker,
        Sender(bot, per_second=settings.send_rate, count=metrics.count_send),
        database_url=settings.database_url,
        interval_seconds=settings.scheduler_interval,
        lease_seconds=settings.notification_lease,
        admin_ids=settings.admin_ids,
        metrics=metrics,
    )
    health = Health(
        engine,
        redis.ping if (redis := shared_redis(storage)) is not None else None,
        scheduler,
        # A run may take a while (a big batch at the send rate); three missed runs, or a
        # minute, whichever is longer, mean the scheduler is stuck.
        stale_after=max(3 * settings.scheduler_interval, 60.0),
    )
    dispatcher.startup.register(_on_startup)
    dispatcher.startup.register(scheduler.start)
    dispatcher.shutdown.register(scheduler.shutdown)
    return Gigbot(
        settings, engine, sessionmaker, bot, dispatcher, storage, scheduler, metrics, health
    )


async def _on_startup(bot: Bot, dispatcher: Dispatcher, settings: Settings) -> None:
    me = await bot.me()
    log.info("gigbot started as @%s (id %s)", me.username, me.id)
    await publish_menus(bot, settings.admin_ids)
    if settings.uses_webhook:
        assert settings.webhook_url is not None
        assert settings.webhook_secret is not None
        await bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=dispatcher.resolve_used_update_types(),
        )
        log.info("webhook set to %s", settings.webhook_url)


async def close(app: Gigbot) -> None:
    """Release every connection the instance holds."""
    app.scheduler.stop()
    await app.dispatcher.storage.close()
    await app.dispatcher.fsm.events_isolation.close()
    await app.bot.session.close()
    await app.engine.dispose()


async def run_polling(app: Gigbot, *, handle_signals: bool = True) -> None:
    """Long-poll getUpdates until stopped; removes any webhook first."""
    await app.bot.delete_webhook(drop_pending_updates=False)
    await app.dispatcher.start_polling(
        app.bot,
        allowed_updates=app.dispatcher.resolve_used_update_types(),
        handle_signals=handle_signals,
        close_bot_session=False,
    )


def add_status_routes(web_app: web.Application, app: Gigbot) -> None:
    """/healthz (200, or 503 naming what failed), /metrics (Prometheus text format) and,
    with PUBLIC_URL set, the calendar feeds."""
    if app.settings.calendar_feeds:
        add_calendar_routes(web_app, app.sessionmaker)

    async def healthz(_request: web.Request) -> web.Response:
        failed = await app.health.check()
        if failed:
            return web.json_response({"ok": False, "failed": failed}, status=503)
        return web.json_response({"ok": True})

    async def metrics(_request: web.Request) -> web.Response:
        body = await app.metrics.scrape(app.engine, app.sessionmaker)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)


def webhook_application(app: Gigbot) -> web.Application:
    """The aiohttp application serving the webhook path (401 without the secret),
    /healthz and /metrics."""
    assert app.settings.webhook_secret is not None, "webhook mode needs WEBHOOK_SECRET"
    web_app = web.Application()
    handler = CheckedRequestHandler(
        dispatcher=app.dispatcher,
        bot=app.bot,
        secret_token=app.settings.webhook_secret.get_secret_value(),
    )
    handler.answer_after_handling = app.settings.webhook_answer == "after_handling"
    handler.register(web_app, path=app.settings.webhook_path)
    add_status_routes(web_app, app)
    setup_application(web_app, app.dispatcher, bot=app.bot)
    return web_app


def status_application(app: Gigbot) -> web.Application:
    """The small server of polling mode: /healthz, /metrics and the calendar feeds."""
    web_app = web.Application()
    add_status_routes(web_app, app)
    return web_app


async def listen(web_app: web.Application, host: str, port: int, names: str) -> web.AppRunner:
    """Serve `web_app` on host:port; StartupError naming the settings `names` when the
    port cannot be had."""
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        await runner.cleanup()
        raise StartupError(
            f"cannot listen on {host}:{port} ({reason(error)}): free the port or change {names}"
        ) from None
    log.info("listening on %s:%s", host, port)
    return runner


async def serve_webhook(app: Gigbot) -> None:
    """Serve the webhook on WEBHOOK_HOST:WEBHOOK_PORT until SIGINT or SIGTERM."""
    settings = app.settings
    runner = await listen(
        webhook_application(app),
        settings.webhook_host,
        settings.webhook_port,
        "WEBHOOK_HOST / WEBHOOK_PORT",
    )
    try:
        await until_stopped()
    finally:
        await runner.cleanup()


async def serve_polling(app: Gigbot) -> None:
    """Long-poll, with /healthz and /metrics on STATUS_HOST:STATUS_PORT when it is set."""
    settings = app.settings
    if settings.status_port is None:
        await run_polling(app)
        return
    runner = await listen(
        status_application(app),
        settings.status_host,
        settings.status_port,
        "STATUS_HOST / STATUS_PORT",
    )
    try:
        await run_polling(app)
    finally:
        await runner.cleanup()


def freeze_startup_objects() -> None:
    """Collect once, then exempt everything alive now (modules, pydantic and SQLAlchemy
    models, routers, caches: about 300,000 objects) from later garbage collections.

    They live as long as the process; left in, every full collection walks them all,
    which paused the bot for about 240 ms every few thousand updates (bench.conversation).
    """
    gc.collect()
    gc.freeze()


async def run(settings: Settings) -> None:
    """Check the token and services, migrate the database, then receive updates by webhook
    or long polling until stopped. What a person can get wrong raises StartupError before
    anything is created."""
    app = assemble(settings)
    try:
        await check_bot_api(app.bot, settings.telegram_api_url)
        await check_redis(settings.redis_url)
        await prepare_database(settings.database_url)
        freeze_startup_objects()
        if settings.uses_webhook:
            await serve_webhook(app)
        else:
            await serve_polling(app)
    finally:
        await close(app)
