"""Configuration: clear one-line errors that name the setting and never show its value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, Settings, load_settings

CANARY = "987654321:AAcanaryCANARYcanaryCANARYcanary12345"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "BOT_TOKEN",
        "DATABASE_URL",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "REDIS_URL",
        "DEFAULT_TIMEZONE",
        "ADMIN_IDS",
        "TELEGRAM_API_URL",
        "DEFAULT_LOCALE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_a_missing_token_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value) == "configuration error: BOT_TOKEN is required but not set"


def test_a_malformed_token_is_named_but_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "not-a-token-" + CANARY[:12])
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "BOT_TOKEN" in str(error.value)
    assert CANARY[:12] not in str(error.value)


def test_the_cli_prints_one_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_TOKEN", CANARY)
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Mars/Olympus_Mons")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "DEFAULT_TIMEZONE must be an IANA time zone" in err
    assert CANARY not in err


def test_a_webhook_without_a_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", CANARY)
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/hook")
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET is required"):
        load_settings()


def test_defaults_and_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", CANARY)
    monkeypatch.setenv("ADMIN_IDS", "12, 34,56")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/gigbot")
    settings = load_settings()
    assert settings.admin_ids == [12, 34, 56]
    assert settings.database_url == "postgresql+asyncpg://u@db:5432/gigbot"
    assert settings.uses_webhook is False
    assert settings.default_locale == "en"
    assert CANARY not in repr(settings)


def test_the_default_database_is_a_sqlite_file() -> None:
    settings = Settings(_env_file=None, bot_token=CANARY)
    assert settings.database_url == "sqlite+aiosqlite:///gigbot.db"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://x"),
        ("WEBHOOK_SECRET", "has spaces"),
        ("WEBHOOK_SECRET", "short-secret"),
        ("ADMIN_IDS", "12,abc"),
        ("DEFAULT_LOCALE", "fr"),
        ("TELEGRAM_API_URL", "not a url"),
        ("WEBHOOK_PORT", "70000"),
    ],
)
def test_each_malformed_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv("BOT_TOKEN", CANARY)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert name in str(error.value)
    assert "\n" not in str(error.value)
