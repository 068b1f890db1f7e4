"""Typed numbers and button values are read once, ASCII digits only and bounded: '①' and
'²' pass str.isdigit, yet int() refuses them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from emulator import Emulator
from handlers.offer_draft import read_answer
from services.input_values import iso_day, row_id, unix_instant, user_id, whole_number, year_month
from services.offer_parser import OfferDraft
from services.offers import BadAnswer
from tests.trust_setup import World


@pytest.mark.parametrize(
    "text", ["①", "²", "٣", "-1", "1.5", "", " ", "1e3", "99999999999999999999"]
)
def test_a_whole_number_is_ascii_digits_within_bounds(text: str) -> None:
    assert whole_number(text, 0, 10**6) is None


def test_whole_numbers_ids_and_dates_in_range() -> None:
    assert whole_number(" 12 ", 1, 100) == 12
    assert row_id("2147483647") == 2**31 - 1
    assert row_id("2147483648") is None
    assert row_id("0") is None
    assert user_id("9223372036854775807") == 2**63 - 1
    assert user_id("9223372036854775808") is None
    assert iso_day("2026-12-24") == date(2026, 12, 24)
    assert iso_day("0001-01-01") is None
    assert iso_day("9999-12-31") is None
    assert iso_day("2026-02-30") is None
    assert year_month("2026-12") == date(2026, 12, 1)
    assert year_month("99999999999999999999-1") is None
    assert year_month("2026-13") is None
    assert unix_instant("1767225600") == datetime(2026, 1, 1, tzinfo=UTC)
    assert unix_instant("999999999999") is None  # the year 33658


@pytest.mark.parametrize("question", ["capacity", "duration"])
@pytest.mark.parametrize("typed", ["①", "²", "٣"])
def test_odd_digits_typed_as_a_number_are_asked_again(question: str, typed: str) -> None:
    with pytest.raises(BadAnswer):
        read_answer(question, typed, OfferDraft())


async def test_an_inline_query_with_an_odd_offset_is_answered(tg: Emulator) -> None:
    alice = tg.user("Alice")
    answer = await alice.inline("guitar", offset="①")
    assert answer["results"] == []


async def test_ban_with_an_odd_digit_says_who_was_not_found(world: World) -> None:
    reply = await world.ada.send("/ban ² spam")
    assert reply is not None
    assert "went wrong" not in (reply.text or "")
