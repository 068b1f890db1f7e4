"""SQLAlchemy models: every table of gigbot, imported here so metadata is complete."""

from models.base import Base, UTCDateTime, utcnow
from models.booking import ACTIVE_STATUSES, BOOKING_STATUSES, Booking, BookingSession
from models.location import SavedLocation
from models.notification import NOTIFICATION_STATUSES, Notification
from models.offer import (
    OFFER_STATUSES,
    PLACE_KINDS,
    Offer,
    OfferException,
    OfferHours,
    OfferPhoto,
    Provider,
)
from models.review import CustomerRating, Review
from models.user import User

__all__ = [
    "ACTIVE_STATUSES",
    "BOOKING_STATUSES",
    "NOTIFICATION_STATUSES",
    "OFFER_STATUSES",
    "PLACE_KINDS",
    "Base",
    "Booking",
    "BookingSession",
    "CustomerRating",
    "Notification",
    "Offer",
    "OfferException",
    "OfferHours",
    "OfferPhoto",
    "Provider",
    "Review",
    "SavedLocation",
    "UTCDateTime",
    "User",
    "utcnow",
]
