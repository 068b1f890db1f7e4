"""Settings read from the environment and `.env` (pydantic-settings).

Every setting is documented in `.env.example`. A missing or malformed setting stops
start-up with one line naming it; values are never echoed, so the token cannot leak
through an error message.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.booking_guard import BookingLimits

Locale = Literal["en", "ru", "es"]
LOCALES: tuple[Locale, ...] = ("en", "ru", "es")

_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,64}$")
# Telegram accepts 1-256 characters; a short secret can be guessed, so 16 at least.
_WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


class DatabaseSettings(BaseSettings):
    """What `gigbot migrate` needs: the database and how much to log (no token)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_url: str = "sqlite+aiosqlite:///gigbot.db"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # text: a line per event; json: one JSON object per event, with an event per update.
    log_format: Literal["text", "json"] = "text"

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme in {"postgres", "postgresql"}:
            return "postgresql+asyncpg" + value[len(scheme) :]
        if scheme == "sqlite":
            return "sqlite+aiosqlite" + value[len(scheme) :]
        if scheme not in {"sqlite+aiosqlite", "postgresql+asyncpg"}:
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value


class Settings(DatabaseSettings):
    """All runtime configuration of one gigbot instance."""

    bot_token: SecretStr
    redis_url: str | None = None
    redis_key_prefix: str = "gigbot"
    telegram_api_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"  # noqa: S104 - a webhook server listens behind a proxy
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # When Telegram gets its 200: after the update is handled (nothing lost when an
    # instance dies) or at once (aiogram's default; lost on a crash). See bot/webhook.py.
    webhook_answer: Literal["after_handling", "at_once"] = "after_handling"
    # Seconds an instance's claim on an update lasts: a delivery of the update meanwhile
    # is refused (503) or waited for; after a crash the update is handled again then.
    update_lease: float = Field(default=30.0, ge=1, le=600)
    # /healthz and /metrics: on the webhook server in webhook mode; in polling mode on a
    # server of their own at STATUS_HOST:STATUS_PORT when STATUS_PORT is set.
    status_host: str = "127.0.0.1"
    status_port: int | None = Field(default=None, ge=1, le=65535)
    # Where people reach the bot's web server from outside (behind your proxy), for the
    # calendar feeds' links (/calendar/<secret>.ics); unset: no calendar feeds.
    public_url: str | None = None
    default_locale: Locale = "en"
    default_timezone: str = "UTC"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    flood_rate: float = Field(default=2.0, gt=0)
    flood_burst: int = Field(default=10, ge=1)
    # Updates worked on at once (the rest wait their turn); empty: 4 on SQLite, 8 on
    # PostgreSQL — see bot/middlewares/admission.py.
    update_concurrency: int | None = Field(default=None, ge=1, le=1000)
    # Notifications: how often the outbox is checked, and the global send rate (Telegram
    # allows about 30 messages a second).
    scheduler_interval: float = Field(default=5.0, gt=0)
    send_rate: float = Field(default=25.0, gt=0, le=1000)
    # Seconds a claimed notification stays claimed; after a crash it is sent again then.
    notification_lease: float = Field(default=120.0, gt=0)
    # Against spam bookers: requests waiting for an answer one customer may hold, and
    # active bookings with one provider on one day.
    max_open_requests: int = Field(default=3, ge=1, le=100)
    max_bookings_per_provider_day: int = Field(default=3, ge=1, le=100)
    # Telegram Payments: the token @BotFather gives for a payment provider (Stripe, …).
    # Without it no offer asks for money; with it, deposits and prepayment work.
    payment_provider_token: SecretStr | None = None
    # Minutes a time is held for a customer while they pay.
    payment_hold_minutes: int = Field(default=15, ge=5, le=60)

    @property
    def booking_limits(self) -> BookingLimits:
        """MAX_OPEN_REQUESTS and MAX_BOOKINGS_PER_PROVIDER_DAY for services.bookings."""
        return BookingLimits(self.max_open_requests, self.max_bookings_per_provider_day)

    @property
    def payments_enabled(self) -> bool:
        """Whether a payment provider token is configured."""
        return bool(self.payment_provider_token and self.payment_provider_token.get_secret_value())

    @property
    def admitted_updates(self) -> int:
        """UPDATE_CONCURRENCY, or the default for the database."""
        if self.update_concurrency is not None:
            return self.update_concurrency
        return 4 if self.database_url.startswith("sqlite") else 8

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("must look like 123456789:AAE... (as given by @BotFather)")
        return value

    @field_validator("telegram_api_url", "webhook_url", "redis_url", "public_url")
    @classmethod
    def _url_shape(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        parts = urlsplit(value)
        if not parts.scheme or not parts.netloc:
            raise ValueError("must be an absolute URL")
        return value.rstrip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or value.get_secret_value() == "":
            return None
        if not _WEBHOOK_SECRET_RE.match(value.get_secret_value()):
            raise ValueError("must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/Berlin") from None
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        return self

    @model_validator(mode="after")
    def _public_url_needs_a_server(self) -> Settings:
        if self.public_url and not self.webhook_url and self.status_port is None:
            raise ValueError(
                "PUBLIC_URL needs the bot's web server: set STATUS_PORT (polling) or WEBHOOK_URL"
            )
        return self

    @property
    def calendar_feeds(self) -> bool:
        """Whether calendar feed links can be given (PUBLIC_URL is set)."""
        return self.public_url is not None

    def calendar_url(self, secret: str) -> str:
        """The public link of a calendar feed."""
        return f"{self.public_url}/calendar/{secret}.ics"

    @property
    def uses_webhook(self) -> bool:
        """True when updates arrive by webhook rather than long polling."""
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """The path part of WEBHOOK_URL, where the webhook server listens."""
        return urlsplit(self.webhook_url or "").path or "/"


class ConfigError(Exception):
    """Start-up configuration is missing or malformed; the message is safe to print."""


def describe_errors(error: ValidationError) -> str:
    """One line naming each bad setting, never its value."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        name = "_".join(str(part) for part in item["loc"]).upper()
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is required but not set"
        problems.append(f"{name} {message}" if name else message)
    return "configuration error: " + "; ".join(problems)


def load_settings() -> Settings:
    """Read settings from the environment and `.env`; raise ConfigError on any problem."""
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigError(describe_errors(error)) from None


def load_database_settings() -> DatabaseSettings:
    """Only the database and log settings (for `gigbot migrate`); ConfigError on a problem."""
    try:
        return DatabaseSettings()
    except ValidationError as error:
        raise ConfigError(describe_errors(error)) from None
