"""Locations a customer shared to search near them: the last few are kept to pick again."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import SavedLocation, User
from services.errors import DomainError
from services.geo import GeoPoint

KEPT = 3  # recent locations kept per user
SAME_PLACE_KM = 0.2  # a new share this close to a kept one refreshes it instead


class LocationNotFound(DomainError):
    """The point is not a place on Earth (coordinates out of range)."""


async def remember_location(session: AsyncSession, user: User, point: GeoPoint) -> SavedLocation:
    """Keep `point` as the user's most recent location; only the last KEPT stay."""
    from services.geo import distance_km

    if not point.is_valid():
        raise LocationNotFound()
    kept = await recent_locations(session, user)
    for location in kept:
        if distance_km(point, GeoPoint(location.latitude, location.longitude)) < SAME_PLACE_KM:
            await session.delete(location)
    location = SavedLocation(user_id=user.id, latitude=point.latitude, longitude=point.longitude)
    session.add(location)
    await session.flush()
    keep = [loc.id for loc in await recent_locations(session, user)][:KEPT]
    await session.execute(
        delete(SavedLocation).where(SavedLocation.user_id == user.id, SavedLocation.id.not_in(keep))
    )
    return location


async def recent_locations(session: AsyncSession, user: User) -> list[SavedLocation]:
    """The user's saved locations, newest first."""
    result = await session.scalars(
        select(SavedLocation)
        .where(SavedLocation.user_id == user.id)
        .order_by(SavedLocation.id.desc())
    )
    return list(result)


async def saved_location(session: AsyncSession, user: User, location_id: int) -> GeoPoint | None:
    """One of the user's own saved locations; None for anyone else's (or a forged id)."""
    location = await session.scalar(
        select(SavedLocation).where(
            SavedLocation.id == location_id, SavedLocation.user_id == user.id
        )
    )
    if location is None:
        return None
    return GeoPoint(location.latitude, location.longitude)
