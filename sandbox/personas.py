"""The people of the sandbox: each with a role, a language and a time zone."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Persona:
    """Someone the person at the page can be."""

    name: str
    username: str
    role: str  # provider, customer or admin (of the sandbox's group and channel)
    language: str
    timezone: str
    phone: str  # shared by the persona's own contact button


PERSONAS = (
    Persona("Anna", "anna_cuts", "provider", "en", "Europe/Berlin", "+49 30 1234567"),
    Persona("Carlos", "carlos_m", "customer", "es", "Europe/Madrid", "+34 91 7654321"),
    Persona("Olga", "olga_admin", "admin", "ru", "Europe/Riga", "+371 2000 0000"),
)

GROUP_TITLE = "Linden Street"
CHANNEL_TITLE = "Linden Street News"
