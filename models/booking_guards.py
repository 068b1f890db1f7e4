"""The database's own refusal of double bookings, created by migration 0004.

Two sessions of the same provider whose blocked times overlap cannot both hold seats:
PostgreSQL enforces it with an exclusion constraint (btree_gist), SQLite with triggers
(each write transaction there starts with BEGIN IMMEDIATE, so the check and the write
cannot interleave with another writer).
"""

from __future__ import annotations

OVERLAP_ERROR = "booking_sessions_overlap"

POSTGRESQL_CREATE = (
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE booking_sessions ADD CONSTRAINT {OVERLAP_ERROR}
        EXCLUDE USING gist (provider_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&)
        WHERE (seats_taken > 0)""",
)
POSTGRESQL_DROP = (f"ALTER TABLE booking_sessions DROP CONSTRAINT IF EXISTS {OVERLAP_ERROR}",)

_SQLITE_CHECK = f"""
    SELECT RAISE(ABORT, '{OVERLAP_ERROR}')
    WHERE EXISTS (
        SELECT 1 FROM booking_sessions AS other
        WHERE other.provider_id = NEW.provider_id
          AND other.seats_taken > 0
          AND other.id IS NOT NEW.id
          -- an upsert into the same session is that session, not another one
          AND NOT (other.offer_id = NEW.offer_id AND other.starts_at = NEW.starts_at)
          AND other.starts_at < NEW.blocked_until
          AND NEW.starts_at < other.blocked_until
    );"""

SQLITE_CREATE = (
    f"""CREATE TRIGGER booking_sessions_no_overlap_insert BEFORE INSERT ON booking_sessions
    WHEN NEW.seats_taken > 0 BEGIN {_SQLITE_CHECK} END""",
    f"""CREATE TRIGGER booking_sessions_no_overlap_update
    BEFORE UPDATE OF seats_taken, starts_at, blocked_until, provider_id ON booking_sessions
    WHEN NEW.seats_taken > 0 BEGIN {_SQLITE_CHECK} END""",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS booking_sessions_no_overlap_update",
    "DROP TRIGGER IF EXISTS booking_sessions_no_overlap_insert",
)
