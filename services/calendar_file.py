"""An iCalendar (.ics) file for a confirmed booking, in the provider's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from models import Booking


def booking_ics(booking: Booking, *, place: str, now: datetime) -> bytes:
    """One VEVENT with a stable UID, times in the provider's zone (with its VTIMEZONE),
    the offer's title and the place; calendar apps show it in the reader's own zone."""
    zone = ZoneInfo(booking.provider.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//gigbot//booking//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"booking-{booking.id}@gigbot")
    event.add("dtstamp", now)
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("summary", booking.offer.title)
    event.add("location", place)
    event.add("description", f"{booking.offer.title} — {booking.provider.display_name}")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
