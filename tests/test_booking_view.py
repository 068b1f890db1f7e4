"""The booking card's read model: actions from the state machine, the contact rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from models import Role
from services.booking_view import BookingAction, allowed_actions

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


ONLINE = SimpleNamespace(place_kind="online", latitude=None, longitude=None, area=None)
STUDIO = SimpleNamespace(
    place_kind="location", latitude=52.52, longitude=13.41, area="Torstr. 1", title="Yoga"
)


def booking(
    status: str, starts_in_hours: float, series_id: int | None = None, offer: Any = ONLINE
) -> Any:
    start = NOW + timedelta(hours=starts_in_hours)
    return SimpleNamespace(
        status=status, starts_at=start, updated_at=start, series_id=series_id, offer=offer
    )


@pytest.mark.parametrize(
    ("status", "starts_in", "role", "expected"),
    [
        ("requested", 5, "provider", {"accept", "decline", "resched", "cancel", "report"}),
        ("requested", 5, "customer", {"resched", "cancel", "report"}),
        ("confirmed", 5, "customer", {"ics", "resched", "cancel", "report"}),
        ("confirmed", -1, "provider", {"ics", "complete", "no_show", "report"}),
        ("confirmed", -1, "customer", {"ics", "report"}),
        ("completed", -3, "customer", {"rate", "report"}),
        ("completed", -3, "provider", {"rate", "report"}),
        ("no_show", -3, "provider", {"rate", "report"}),
        ("declined", 5, "customer", {"report"}),
        ("cancelled_by_customer", 5, "provider", {"report"}),
        ("held", 5, "customer", {"cancel", "report"}),  # give the held time up
    ],
)
def test_the_card_offers_what_the_state_machine_allows(
    status: str, starts_in: float, role: str, expected: set[str]
) -> None:
    actions = allowed_actions(booking(status, starts_in), Role(role), NOW)
    assert {str(action) for action in actions} == expected
    assert actions[-1] is BookingAction.REPORT


def test_a_booking_of_a_series_can_cancel_the_following_ones() -> None:
    actions = allowed_actions(booking("confirmed", 5, series_id=3), Role.CUSTOMER, NOW)
    assert BookingAction.CANCEL_FOLLOWING in actions
    started = allowed_actions(booking("confirmed", -1, series_id=3), Role.CUSTOMER, NOW)
    assert BookingAction.CANCEL_FOLLOWING not in started


@pytest.mark.parametrize(
    ("status", "role", "offer", "pinned"),
    [
        ("confirmed", "customer", STUDIO, True),
        ("confirmed", "provider", STUDIO, False),  # their own place
        ("requested", "customer", STUDIO, False),  # not until it is confirmed
        ("confirmed", "customer", ONLINE, False),
        ("confirmed", "customer", SimpleNamespace(**{**vars(STUDIO), "latitude": None}), False),
        (
            "confirmed",
            "customer",
            SimpleNamespace(**{**vars(STUDIO), "place_kind": "customer"}),
            False,
        ),
    ],
)
def test_a_confirmed_customer_gets_the_map_pin_of_a_place_with_coordinates(
    status: str, role: str, offer: Any, pinned: bool
) -> None:
    actions = allowed_actions(booking(status, 5, offer=offer), Role(role), NOW)
    assert (BookingAction.MAP in actions) is pinned
