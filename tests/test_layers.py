"""The import rule: services/ and models/ know nothing of Telegram or of the handlers,
only the wiring (bot/dispatcher.py, bot/scheduler.py, bot/app.py) imports handlers/, and
nothing of the bot needs the emulator."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from aiogram.filters.callback_data import CallbackData

from bot.callbacks import Callback
from handlers.notices import NOTICES
from models import NotificationKind

ROOT = Path(__file__).resolve().parent.parent
WIRING = {"bot/dispatcher.py", "bot/scheduler.py", "bot/app.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports (absolute names), lazily imported ones included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def top(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("path", sources("services", "models"), ids=lambda p: str(p.name))
def test_rules_and_models_import_neither_telegram_nor_handlers(path: Path) -> None:
    wrong = {m for m in imported_modules(path) if top(m) in ("aiogram", "handlers", "bot")}
    assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_only_the_wiring_imports_handlers() -> None:
    importers = {
        str(path.relative_to(ROOT))
        for path in sources("bot", "services", "models")
        if any(top(m) == "handlers" for m in imported_modules(path))
    }
    assert importers <= WIRING, sorted(importers - WIRING)


def test_the_bot_leaves_the_emulator_alone() -> None:
    """The emulator is a Telegram stand-in for tests, benches and trials, no part of the
    bot: only the `gigbot emulator` command starts it."""
    importers = {
        str(path.relative_to(ROOT))
        for path in sources("bot", "handlers", "services", "models")
        if any(top(m) == "emulator" for m in imported_modules(path))
    }
    assert importers <= {"bot/cli.py"}, sorted(importers - {"bot/cli.py"})
    assert not (ROOT / "bot" / "emulator").exists()


def test_the_rule_would_see_a_lazy_import(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from handlers.booking import card_for\n    return card_for\n")
    assert "handlers.booking" in imported_modules(sneaky)


def test_every_notification_kind_has_a_notice() -> None:
    assert set(NOTICES) == set(NotificationKind)


def handler_modules() -> list[Path]:
    return [p for p in sources("handlers") if p.name != "__init__.py"]


def is_views(path: Path) -> bool:
    return path.stem.endswith("_views")


@pytest.mark.parametrize(
    "path", [p for p in handler_modules() if is_views(p)], ids=lambda p: p.stem
)
def test_views_are_pure_screens(path: Path) -> None:
    """A views module renders what it is given: no database, no dialogue state, and no
    feature module (other views modules are fine)."""
    wrong = {
        m
        for m in imported_modules(path)
        if top(m) == "sqlalchemy"
        or m.startswith("aiogram.fsm")
        or (top(m) == "handlers" and not m.endswith("_views"))
    }
    assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_callbacks_live_in_views_modules() -> None:
    """Every CallbackData class is declared in a `<feature>_views.py`, beside its screens,
    and derives from bot.callbacks.Callback (whose filter compares the prefix first)."""
    declared = [
        value
        for path in handler_modules()
        for value in vars(importlib.import_module(f"handlers.{path.stem}")).values()
        if isinstance(value, type)
        and issubclass(value, CallbackData)
        and value.__module__ == f"handlers.{path.stem}"
    ]
    assert len(declared) > 50
    elsewhere = [
        f"{c.__module__}.{c.__name__}" for c in declared if not c.__module__.endswith("_views")
    ]
    assert not elsewhere, elsewhere
    plain = [c.__name__ for c in declared if not issubclass(c, Callback)]
    assert not plain, plain
