"""Start-up checks that turn what a person can get wrong into one clear line.

A wrong token, an unreachable Bot API, a database that cannot be opened or a port that is
taken each end start-up with a `StartupError` whose message names the problem and what
to do; `gigbot` prints it (redacted) and exits non-zero, never with a traceback.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    AiogramError,
    ClientDecodeError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.types import User
from aiohttp import ClientError
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import make_url

from bot.migrate import upgrade

TELEGRAM = "https://api.telegram.org"
REASON_LIMIT = 200


class StartupError(Exception):
    """Start-up cannot go on; the message says why and what to do (safe to print once
    redacted)."""


def reason(error: BaseException) -> str:
    """The first line of an error's own message (of its cause, for a wrapped one)."""
    inner = getattr(error, "orig", None) or error
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__
    return text[:REASON_LIMIT]


def safe_database_url(database_url: str) -> str:
    """The database URL with any password hidden."""
    return make_url(database_url).render_as_string(hide_password=True)


async def check_bot_api(bot: Bot, api_url: str | None) -> User:
    """Call getMe: the token is valid and the Bot API answers; StartupError otherwise."""
    where = api_url or TELEGRAM
    try:
        return await bot.get_me()
    except TelegramUnauthorizedError:
        raise StartupError(
            f"the Bot API at {where} refused BOT_TOKEN (401 Unauthorized): copy the token "
            "from @BotFather again (or /revoke it there and use the new one)"
        ) from None
    except TelegramNotFound:
        raise StartupError(
            f"the server at {where} answered 404 Not Found to getMe: check TELEGRAM_API_URL "
            "(the base URL of a Bot API server, without /bot<token>) and BOT_TOKEN"
        ) from None
    except ClientDecodeError:
        raise StartupError(
            f"the server at {where} does not answer like the Bot API: check TELEGRAM_API_URL"
        ) from None
    except (TelegramNetworkError, ClientError, OSError, TimeoutError) as error:
        raise StartupError(
            f"cannot reach the Bot API at {where} ({reason(error)}): check the network, "
            "a proxy or TELEGRAM_API_URL"
        ) from None
    except AiogramError as error:
        raise StartupError(f"the Bot API at {where} refused getMe: {reason(error)}") from None


async def check_redis(redis_url: str | None) -> None:
    """Ping Redis when it is configured; StartupError when it does not answer."""
    if not redis_url:
        return
    client: Redis = Redis.from_url(redis_url, socket_connect_timeout=5)
    try:
        await client.ping()
    except (RedisError, OSError, TimeoutError) as error:
        raise StartupError(
            f"cannot reach Redis at REDIS_URL ({reason(error)}): start Redis or fix REDIS_URL"
        ) from None
    finally:
        await client.aclose()


async def prepare_database(database_url: str) -> None:
    """Migrate the database to the newest schema; StartupError when it cannot be opened."""
    try:
        await upgrade(database_url)
    except Exception as error:  # any failure here is the database's, whatever its type
        raise StartupError(
            f"cannot open or migrate the database {safe_database_url(database_url)} "
            f"({reason(error)}): check DATABASE_URL, that the server runs and the path is "
            "writable"
        ) from None
