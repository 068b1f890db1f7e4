"""SQLAlchemy models: every table of gigbot, imported here so metadata is complete."""

from models.base import Base, UTCDateTime, utcnow
from models.location import SavedLocation
from models.offer import (
    OFFER_STATUSES,
    PLACE_KINDS,
    Offer,
    OfferException,
    OfferHours,
    OfferPhoto,
    Provider,
)
from models.user import User

__all__ = [
    "OFFER_STATUSES",
    "PLACE_KINDS",
    "Base",
    "Offer",
    "OfferException",
    "OfferHours",
    "OfferPhoto",
    "Provider",
    "SavedLocation",
    "UTCDateTime",
    "User",
    "utcnow",
]
