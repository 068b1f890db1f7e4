"""Unit tests of small services: deep links, time-zone lookup, flood bucket."""

from __future__ import annotations

import pytest

from bot.middlewares.flood import TokenBucket
from services.deeplinks import (
    CommunityAdminLink,
    OfferLink,
    ProviderLink,
    parse_start_payload,
    start_link,
)
from services.timezones import find_timezones, timezone_at


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("offer_42", OfferLink(42)),
        ("offer_42_c3", OfferLink(42, 3)),
        ("offer_42_c0", None),
        ("offer_42_c", None),
        ("provider_7_c3", None),
        ("cm_5", CommunityAdminLink(5)),
        ("cm_0", None),
        ("cm_١", None),
        ("provider_7", ProviderLink(7)),
        (" offer_1 ", OfferLink(1)),
        ("offer_0", None),
        ("offer_-1", None),
        ("offer_", None),
        ("offer_12345678901234567890", None),
        ("OFFER_1", None),
        ("coupon_5", None),
        ("", None),
        (None, None),
    ],
)
def test_start_payloads_parse_into_typed_links(payload: str | None, expected: object) -> None:
    assert parse_start_payload(payload) == expected


def test_links_round_trip() -> None:
    url = start_link("gigbot_test_bot", OfferLink(42))
    assert url == "https://t.me/gigbot_test_bot?start=offer_42"
    assert parse_start_payload(url.split("start=")[1]) == OfferLink(42)
    for link in (OfferLink(42, 3), ProviderLink(7), CommunityAdminLink(5)):
        assert parse_start_payload(start_link("b", link).split("start=")[1]) == link


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Berlin", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("Москва", "Europe/Moscow"),
        ("Ciudad de México", "America/Mexico_City"),
        ("Bogotá", "America/Bogota"),
        ("Kolkata", "Asia/Kolkata"),
        ("Mumbai", "Asia/Kolkata"),
        ("utc", "UTC"),
        ("UTC+3", "Etc/GMT-3"),
        ("GMT-5", "Etc/GMT+5"),
        ("+0", "UTC"),
    ],
)
def test_time_zones_are_found_by_city_name_or_offset(query: str, expected: str) -> None:
    assert find_timezones(query)[0] == expected


@pytest.mark.parametrize("query", ["", "  ", "x", "Atlantis", "UTC+99", "'; DROP TABLE users"])
def test_nonsense_finds_no_time_zone(query: str) -> None:
    assert find_timezones(query) == []


def test_a_location_gives_its_time_zone() -> None:
    assert timezone_at(52.52, 13.405) == "Europe/Berlin"
    assert timezone_at(-31.55, 159.08) == "Australia/Lord_Howe"
    assert timezone_at(91, 0) is None


def test_the_bucket_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=3, clock=lambda: now[0])
    assert [bucket.take(1) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(2) is True  # other users are not affected
    now[0] += 0.5  # one token back
    assert [bucket.take(1), bucket.take(1)] == [True, False]
