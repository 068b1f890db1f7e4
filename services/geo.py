"""Distances on the Earth: the bounding box for an indexed pre-filter, and exact distance."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
KM_PER_DEGREE_LATITUDE = math.pi * EARTH_RADIUS_KM / 180


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A point by latitude and longitude in degrees (WGS 84, as Telegram sends them)."""

    latitude: float
    longitude: float

    def is_valid(self) -> bool:
        """Whether both coordinates are in range."""
        return -90 <= self.latitude <= 90 and -180 <= self.longitude <= 180


@dataclass(frozen=True, slots=True)
class Box:
    """Latitude and longitude bounds that contain every point within some distance."""

    south: float
    north: float
    west: float
    east: float


def km_per_degree_longitude(latitude: float) -> float:
    """How many km one degree of longitude spans at `latitude` (never below 1 m)."""
    return max(KM_PER_DEGREE_LATITUDE * math.cos(math.radians(latitude)), 0.001)


def bounding_box(center: GeoPoint, radius_km: float) -> Box:
    """The box around `center` containing the circle of `radius_km`.

    The box is a pre-filter on indexed columns; it does not wrap around the antimeridian
    (a search near ±180° longitude sees only its own side).
    """
    dlat = radius_km / KM_PER_DEGREE_LATITUDE
    # The circle is widest in longitude at the latitude nearest the pole.
    widest = min(abs(center.latitude) + dlat, 89.9)
    dlon = radius_km / km_per_degree_longitude(widest)
    return Box(
        south=max(center.latitude - dlat, -90.0),
        north=min(center.latitude + dlat, 90.0),
        west=max(center.longitude - dlon, -180.0),
        east=min(center.longitude + dlon, 180.0),
    )


def distance_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance (haversine) in km."""
    phi1, phi2 = math.radians(a.latitude), math.radians(b.latitude)
    dphi = phi2 - phi1
    dlambda = math.radians(b.longitude - a.longitude)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
