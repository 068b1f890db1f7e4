"""What start-up built is exempt from later garbage collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.app import freeze_startup_objects


@pytest.fixture
def thawed() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("thawed")
def test_a_full_collection_no_longer_walks_the_startup_objects() -> None:
    import handlers  # noqa: F401 - every router, model and view: what a started bot holds

    walked_before = len(gc.get_objects())
    freeze_startup_objects()
    assert gc.get_freeze_count() >= walked_before // 2
    assert len(gc.get_objects()) < walked_before // 10
