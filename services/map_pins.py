"""Where an offer happens, as a map pin (a Telegram venue): only a place of the
provider's — a studio, a shop, an area's centre — that has coordinates. A service at the
customer's own place or online has no pin."""

from __future__ import annotations

from dataclasses import dataclass

from models import Offer

PINNED_KINDS = frozenset({"location", "area"})


@dataclass(frozen=True, slots=True)
class MapPin:
    """A venue: the point, its name (the offer's title) and an address line."""

    latitude: float
    longitude: float
    title: str
    address: str


def map_pin(offer: Offer) -> MapPin | None:
    """The offer's place as a pin, or None. The address is the area the provider wrote,
    else the coordinates (Telegram wants an address on every venue)."""
    latitude, longitude = offer.latitude, offer.longitude
    if offer.place_kind not in PINNED_KINDS or latitude is None or longitude is None:
        return None
    address = (offer.area or "").strip() or f"{latitude:.5f}, {longitude:.5f}"
    return MapPin(latitude, longitude, offer.title, address)
