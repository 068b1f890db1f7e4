"""Builds the aiogram Dispatcher: storage, middlewares and routers."""

from __future__ import annotations

import logging

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.deferred_state import DeferredStorage, DeferredWrites
from bot.metrics import Metrics
from bot.middlewares import (
    Admission,
    CallbackAnswers,
    CommandLeavesDialogue,
    DatabaseMiddleware,
    FloodMiddleware,
    Gate,
    HandledOnce,
    I18nMiddleware,
    Measured,
    NoteHandler,
    SenderCheck,
    TokenBucket,
    UserMiddleware,
    user_hasher,
)
from bot.middlewares.flood import FloodBucket
from bot.redis_flood import RedisTokenBucket
from bot.update_claims import MemoryClaims, RedisClaims, UpdateClaims
from handlers import build_router
from handlers.errors import DomainErrorReplies


def create_storage(settings: Settings) -> tuple[DeferredStorage, BaseEventIsolation]:
    """FSM storage and event isolation: in memory, or in Redis when REDIS_URL is set;
    writes take effect once an update has been handled (bot.deferred_state).

    With Redis, dialogue state survives restarts and is shared by every instance, and a
    user's updates are handled one at a time across instances.
    """
    if settings.redis_url:
        storage = RedisStorage.from_url(
            settings.redis_url,
            key_builder=DefaultKeyBuilder(prefix=settings.redis_key_prefix, with_bot_id=True),
        )
        # A user's lock lapses with the instance's claim on the update it guards: held by
        # an instance killed mid-update, it would hold up that person's next updates
        # for aiogram's default of 60 s.
        isolation = storage.create_isolation(lock_kwargs={"timeout": settings.update_lease})
        return DeferredStorage(storage), isolation
    return DeferredStorage(MemoryStorage()), SimpleEventIsolation()


def shared_redis(storage: BaseStorage) -> Redis | None:
    """The Redis client of the FSM storage, when it is in Redis."""
    inner = storage.inner if isinstance(storage, DeferredStorage) else storage
    return inner.redis if isinstance(inner, RedisStorage) else None


def shared_prefix(settings: Settings) -> str:
    """The prefix of this bot's keys in Redis (several bots may share one Redis)."""
    return f"{settings.redis_key_prefix}:{settings.bot_token.get_secret_value().split(':')[0]}"


def update_claims(settings: Settings, storage: BaseStorage) -> UpdateClaims:
    """Claims on updates: in Redis (shared by every instance) when the FSM storage is
    there, otherwise in this process."""
    redis = shared_redis(storage)
    if redis is not None:
        return RedisClaims(redis, shared_prefix(settings), settings.update_lease)
    return MemoryClaims(settings.update_lease)


def flood_bucket(settings: Settings, storage: BaseStorage) -> FloodBucket:
    """Per-user flood buckets: in Redis (one limit across instances) when the FSM storage
    is there, otherwise in this process."""
    redis = shared_redis(storage)
    if redis is not None:
        return RedisTokenBucket(
            redis,
            shared_prefix(settings),
            settings.flood_rate,
            settings.flood_burst,
            user_hasher(settings.bot_token.get_secret_value()),
        )
    return TokenBucket(settings.flood_rate, settings.flood_burst)


def build_dispatcher(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    storage: BaseStorage,
    isolation: BaseEventIsolation,
    metrics: Metrics | None = None,
) -> Dispatcher:
    """The dispatcher with every middleware and router wired, ready to feed updates."""
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation, settings=settings)
    dispatcher.update.outer_middleware(
        Measured(
            metrics or Metrics(),
            user_hasher(settings.bot_token.get_secret_value()),
            logging.INFO if settings.log_format == "json" else logging.DEBUG,
        )
    )
    dispatcher.update.outer_middleware(
        HandledOnce(update_claims(settings, storage), wait_when_busy=not settings.uses_webhook)
    )
    if isinstance(storage, DeferredStorage):
        dispatcher.update.outer_middleware(DeferredWrites(storage))
    dispatcher.update.outer_middleware(SenderCheck())
    dispatcher.update.outer_middleware(
        FloodMiddleware(flood_bucket(settings, storage), settings.default_locale)
    )
    dispatcher.update.outer_middleware(Admission(Gate(settings.admitted_updates)))
    dispatcher.update.outer_middleware(DatabaseMiddleware(sessionmaker))
    dispatcher.update.outer_middleware(UserMiddleware())
    dispatcher.update.outer_middleware(
        I18nMiddleware(settings.default_locale, settings.default_timezone)
    )
    dispatcher.message.outer_middleware(CommandLeavesDialogue())
    dispatcher.callback_query.middleware(CallbackAnswers())
    # Inside the callback answers, so that a refusal's reason is the answer's text.
    dispatcher.callback_query.middleware(DomainErrorReplies())
    dispatcher.message.middleware(DomainErrorReplies())
    for name, observer in dispatcher.observers.items():
        if name not in {"update", "error"}:
            observer.middleware(NoteHandler())
    dispatcher.include_router(build_router())
    return dispatcher
