"""Provider profiles: how a provider presents themselves and how customers reach them."""

from __future__ import annotations

import re

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Offer, Provider, User
from services.errors import DomainError
from services.offers import area_problem, ensure_provider
from services.timezones import require_timezone

NAME_LIMITS = (2, 64)
BIO_LIMIT = 500


class InvalidProfile(DomainError):
    """A profile value breaks a rule; `key` names it for a translated reply."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


WORKPLACE_CHOICES = ("location", "customer", "online")  # "area" is set by typing it


class NotOwnContact(DomainError):
    """A shared contact that is not the sender's own: refused, nothing stored."""


async def profile(session: AsyncSession, user: User, default_timezone: str) -> Provider:
    """The user's provider profile, created from their Telegram name if new."""
    return await ensure_provider(session, user, default_timezone)


async def update_profile(
    session: AsyncSession, user: User, default_timezone: str, *, field: str, value: str
) -> Provider:
    """Change the display name, bio, area or time zone; raises InvalidProfile."""
    provider = await ensure_provider(session, user, default_timezone)
    value = value.strip()
    if field == "name":
        if not NAME_LIMITS[0] <= len(value) <= NAME_LIMITS[1]:
            raise InvalidProfile("profile.error.name")
        provider.display_name = value
    elif field == "bio":
        if len(value) > BIO_LIMIT:
            raise InvalidProfile("profile.error.bio")
        provider.bio = value or None
    elif field == "area":
        if area_problem(value) is not None:  # the same rule as an offer's typed area
            raise InvalidProfile("profile.error.area")
        provider.place_kind, provider.area = "area", value
    else:
        raise InvalidProfile("common.expired_button")
    await session.flush()
    return provider


async def set_workplace(
    session: AsyncSession,
    user: User,
    default_timezone: str,
    *,
    kind: str,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Provider:
    """Where the provider works: a shared location, at the customer's place, or online.

    A typed area goes through `update_profile(field="area")`. The area text is kept
    when the kind changes, as a description of the neighbourhood served.
    """
    if kind not in WORKPLACE_CHOICES:
        raise InvalidProfile("common.expired_button")
    if kind == "location" and not _valid_point(latitude, longitude):
        raise InvalidProfile("profile.error.location")
    provider = await ensure_provider(session, user, default_timezone)
    provider.place_kind = kind
    if kind == "location":
        provider.latitude, provider.longitude = latitude, longitude
        # Offers that happen somewhere but have no point of their own are found near it.
        await session.execute(
            update(Offer)
            .where(
                Offer.provider_id == provider.id,
                Offer.latitude.is_(None),
                Offer.place_kind != "online",
            )
            .values(latitude=latitude, longitude=longitude)
        )
    await session.flush()
    return provider


def _valid_point(latitude: float | None, longitude: float | None) -> bool:
    return (
        latitude is not None
        and longitude is not None
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    )


def default_place(provider: Provider | None) -> tuple[str, str | None, float | None, float | None]:
    """The profile's workplace as (kind, area, latitude, longitude) for a new offer.

    ("", None, None, None) when the profile says nothing yet, so the offer asks.
    """
    if provider is None:
        return "", None, None, None
    kind = provider.place_kind
    if kind == "location" and _valid_point(provider.latitude, provider.longitude):
        return kind, provider.area, provider.latitude, provider.longitude
    if kind in ("customer", "online") or (kind == "area" and provider.area):
        return kind, provider.area if kind != "online" else None, None, None
    return "", None, None, None


async def set_timezone(
    session: AsyncSession, user: User, default_timezone: str, zone: str
) -> Provider:
    """The provider's time zone (their offers' hours are read in it)."""
    provider = await ensure_provider(session, user, default_timezone)
    provider.timezone = require_timezone(zone)
    await session.flush()
    return provider


async def set_phone(
    session: AsyncSession,
    user: User,
    default_timezone: str,
    *,
    phone: str,
    contact_user_id: int | None,
) -> Provider:
    """Store the provider's phone, only from a contact that is the sender's own.

    Telegram's "share my contact" button sends the sender's user_id with the contact;
    a forwarded or typed-in contact of someone else does not match and is refused.
    """
    if contact_user_id != user.id:
        raise NotOwnContact()
    digits = re.sub(r"[^\d+]", "", phone)
    if not 5 <= len(digits.lstrip("+")) <= 20:
        raise InvalidProfile("profile.error.phone")
    provider = await ensure_provider(session, user, default_timezone)
    provider.phone = digits if digits.startswith("+") else f"+{digits}"
    await session.flush()
    return provider


async def remove_phone(session: AsyncSession, user: User, default_timezone: str) -> Provider:
    """Forget the provider's phone; customers reach them by Telegram link only."""
    provider = await ensure_provider(session, user, default_timezone)
    provider.phone = None
    await session.flush()
    return provider
