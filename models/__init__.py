"""SQLAlchemy models: every table of gigbot, imported here so metadata is complete."""

from models.base import Base, UTCDateTime, utcnow
from models.user import User

__all__ = ["Base", "UTCDateTime", "User", "utcnow"]
