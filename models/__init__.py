"""SQLAlchemy models: every table of gigbot, imported here so metadata is complete."""

from models.base import Base, UTCDateTime, utcnow
from models.booking import (
    ACTIVE_STATUSES,
    BOOKING_STATUSES,
    SEAT_STATUSES,
    Booking,
    BookingSeries,
    BookingSession,
    BookingStatus,
    Role,
)
from models.calendar_feed import CalendarFeed
from models.community import (
    ChatKind,
    Community,
    CommunityAdmin,
    CommunityBan,
    CommunityDigest,
    CommunityListing,
    CommunityOpens,
    CommunityStatus,
    ListingStatus,
    Moderation,
    Posting,
    PostState,
)
from models.customer_block import CustomerBlock
from models.location import SavedLocation
from models.moderation import (
    MODERATION_ACTIONS,
    REPORT_STATUSES,
    REPORT_TARGETS,
    ModerationAction,
    Report,
)
from models.notification import NOTIFICATION_STATUSES, Notification, NotificationKind
from models.offer import (
    OFFER_STATUSES,
    PLACE_KINDS,
    Offer,
    OfferException,
    OfferHours,
    OfferPhoto,
    OfferStatus,
    Prepayment,
    Provider,
)
from models.offer_card import OfferCard
from models.package import Package, PackagePurchase, PurchaseStatus
from models.payment import Payment, Refund
from models.review import CustomerRating, Review
from models.user import User
from models.waitlist import OPEN_WAITS, WaitlistEntry, WaitStatus

__all__ = [
    "ACTIVE_STATUSES",
    "BOOKING_STATUSES",
    "MODERATION_ACTIONS",
    "NOTIFICATION_STATUSES",
    "OFFER_STATUSES",
    "OPEN_WAITS",
    "PLACE_KINDS",
    "REPORT_STATUSES",
    "REPORT_TARGETS",
    "SEAT_STATUSES",
    "Base",
    "Booking",
    "BookingSeries",
    "BookingSession",
    "BookingStatus",
    "CalendarFeed",
    "ChatKind",
    "Community",
    "CommunityAdmin",
    "CommunityBan",
    "CommunityDigest",
    "CommunityListing",
    "CommunityOpens",
    "CommunityStatus",
    "CustomerBlock",
    "CustomerRating",
    "ListingStatus",
    "Moderation",
    "ModerationAction",
    "Notification",
    "NotificationKind",
    "Offer",
    "OfferCard",
    "OfferException",
    "OfferHours",
    "OfferPhoto",
    "OfferStatus",
    "Package",
    "PackagePurchase",
    "Payment",
    "PostState",
    "Posting",
    "Prepayment",
    "Provider",
    "PurchaseStatus",
    "Refund",
    "Report",
    "Review",
    "Role",
    "SavedLocation",
    "UTCDateTime",
    "User",
    "WaitStatus",
    "WaitlistEntry",
    "utcnow",
]
