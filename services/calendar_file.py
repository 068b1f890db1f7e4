"""An iCalendar (.ics) file for a confirmed booking, in the provider's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from models import Booking
from services.map_pins import map_pin


def booking_event(
    booking: Booking, *, summary: str, with_whom: str, now: datetime, place: str | None = None
) -> Event:
    """One VEVENT with a stable UID, times in the provider's zone, the place (the text
    given, else the offer's area) and its map point when it has one."""
    zone = ZoneInfo(booking.provider.timezone)
    event = Event()
    event.add("uid", f"booking-{booking.id}@gigbot")
    event.add("dtstamp", now)
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("summary", summary)
    location = place or booking.offer.area
    if location:
        event.add("location", location)
    pin = map_pin(booking.offer)
    if pin is not None:
        event.add("geo", (pin.latitude, pin.longitude))
    event.add("description", f"{booking.offer.title} — {with_whom}")
    return event


def booking_ics(booking: Booking, *, place: str, now: datetime) -> bytes:
    """The booking as a calendar file of one event (with its VTIMEZONE); calendar apps
    show it in the reader's own zone."""
    calendar = Calendar()
    calendar.add("prodid", "-//gigbot//booking//EN")
    calendar.add("version", "2.0")
    event = booking_event(
        booking,
        summary=booking.offer.title,
        with_whom=booking.provider.display_name,
        now=now,
        place=place,
    )
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
