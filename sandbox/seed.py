"""`gigbot sandbox --seed demo`: a neighbourhood to try gigbot in at once — 30 providers
with offers across the categories, in three languages, with weekly hours, photos, and a
few completed bookings with reviews, so search, *near me* and ratings show something."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from emulator import Emulator
from models import User, utcnow
from services import bookings, offers, reviews
from services.offers import OfferData
from services.slots import slots_by_offer
from services.users import TelegramProfile, touch_user

FIRST_PROVIDER_ID = 7_000_000_001  # Telegram-like ids no emulated person gets
FIRST_CUSTOMER_ID = 7_100_000_001
CENTRE = (52.52, 13.40)  # Berlin-Mitte: the sandbox's map shows the same box
WEEKDAYS_9_TO_18 = [(day, 540, 1080) for day in range(5)]
EVERY_DAY_8_TO_20 = [(day, 480, 1200) for day in range(7)]
WEEKENDS_10_TO_16 = [(day, 600, 960) for day in (5, 6)]
EVENINGS = [(day, 1020, 1260) for day in range(5)]


@dataclass(frozen=True, slots=True)
class Sample:
    """One provider and their offer."""

    name: str
    language: str
    title: str
    category: str
    minutes: int
    price: int  # in cents
    weekly: list[tuple[int, int, int]]
    area: str
    description: str


SAMPLES = (
    Sample(
        "Anja",
        "en",
        "Haircut and styling",
        "beauty",
        45,
        3000,
        EVERY_DAY_8_TO_20,
        "Mitte",
        "Walk-ins welcome, quiet studio.",
    ),
    Sample(
        "Boris",
        "ru",
        "Стрижка мужская",
        "beauty",
        30,
        2000,
        WEEKDAYS_9_TO_18,
        "Моабит",
        "Классика и фейд.",
    ),
    Sample(
        "Carmen",
        "es",
        "Manicura",
        "beauty",
        60,
        2500,
        WEEKENDS_10_TO_16,
        "Kreuzberg",
        "Esmaltes veganos.",
    ),
    Sample(
        "Dmitri",
        "ru",
        "Массаж спины",
        "wellness",
        60,
        4500,
        EVENINGS,
        "Пренцлауэр-Берг",
        "Лечебный и расслабляющий.",
    ),
    Sample(
        "Elena",
        "es",
        "Yoga para principiantes",
        "wellness",
        60,
        1200,
        WEEKDAYS_9_TO_18,
        "Mitte",
        "Grupos pequeños.",
    ),
    Sample(
        "Finn",
        "en",
        "Personal training",
        "wellness",
        60,
        4000,
        EVERY_DAY_8_TO_20,
        "Tiergarten",
        "Outdoors in the park.",
    ),
    Sample(
        "Greta",
        "en",
        "Guitar lessons",
        "lessons",
        60,
        2500,
        EVENINGS,
        "Wedding",
        "Acoustic and electric, all ages.",
    ),
    Sample(
        "Hugo",
        "es",
        "Clases de español",
        "lessons",
        60,
        2000,
        WEEKDAYS_9_TO_18,
        "Mitte",
        "Conversación y gramática.",
    ),
    Sample(
        "Irina",
        "ru",
        "Уроки математики",
        "lessons",
        60,
        2500,
        EVENINGS,
        "Фридрихсхайн",
        "Школьная программа и ЕГЭ.",
    ),
    Sample(
        "Jonas",
        "en",
        "Piano lessons",
        "lessons",
        45,
        3000,
        WEEKDAYS_9_TO_18,
        "Prenzlauer Berg",
        "Classical and pop.",
    ),
    Sample(
        "Karla",
        "es",
        "Tour de arte urbano",
        "tours",
        120,
        1500,
        WEEKENDS_10_TO_16,
        "Kreuzberg",
        "Grafitis y murales.",
    ),
    Sample(
        "Leo",
        "en",
        "Historic Mitte walking tour",
        "tours",
        90,
        1800,
        EVERY_DAY_8_TO_20,
        "Mitte",
        "From the Wall to the museums.",
    ),
    Sample(
        "Mila",
        "ru",
        "Экскурсия по Берлину",
        "tours",
        120,
        2000,
        WEEKENDS_10_TO_16,
        "Митте",
        "На русском языке.",
    ),
    Sample(
        "Nico",
        "en",
        "Dog walking",
        "pets",
        45,
        1500,
        WEEKDAYS_9_TO_18,
        "Prenzlauer Berg",
        "Small groups, big parks.",
    ),
    Sample(
        "Olivia",
        "es",
        "Paseo de perros",
        "pets",
        60,
        1400,
        EVERY_DAY_8_TO_20,
        "Friedrichshain",
        "Con fotos del paseo.",
    ),
    Sample(
        "Pavel",
        "ru",
        "Передержка кошек",
        "pets",
        60,
        1000,
        EVERY_DAY_8_TO_20,
        "Веддинг",
        "Кормление и уход на дому.",
    ),
    Sample(
        "Quinn",
        "en",
        "Flat cleaning",
        "home",
        120,
        5000,
        WEEKDAYS_9_TO_18,
        "Moabit",
        "Eco products, bring nothing.",
    ),
    Sample(
        "Rosa",
        "es",
        "Limpieza de hogar",
        "home",
        180,
        6000,
        WEEKDAYS_9_TO_18,
        "Wedding",
        "Productos incluidos.",
    ),
    Sample(
        "Sergei",
        "ru",
        "Мойка окон",
        "home",
        90,
        3500,
        WEEKENDS_10_TO_16,
        "Шарлоттенбург",
        "Высотные окна тоже.",
    ),
    Sample(
        "Tom",
        "en",
        "Furniture assembly",
        "repairs",
        120,
        4000,
        WEEKDAYS_9_TO_18,
        "Mitte",
        "IKEA and more, own tools.",
    ),
    Sample(
        "Ursula",
        "en",
        "Bike repair",
        "repairs",
        60,
        2500,
        EVENINGS,
        "Kreuzberg",
        "Brakes, gears, flats.",
    ),
    Sample(
        "Victor",
        "es",
        "Reparaciones eléctricas",
        "repairs",
        60,
        4500,
        WEEKDAYS_9_TO_18,
        "Neukölln",
        "Lámparas y enchufes.",
    ),
    Sample(
        "Wera",
        "ru",
        "Ремонт одежды",
        "repairs",
        30,
        1500,
        WEEKDAYS_9_TO_18,
        "Митте",
        "Подшить, заменить молнию.",
    ),
    Sample(
        "Xenia",
        "en",
        "Birthday party magician",
        "events",
        60,
        9000,
        WEEKENDS_10_TO_16,
        "Pankow",
        "Kids love it.",
    ),
    Sample(
        "Yago",
        "es",
        "DJ para fiestas",
        "events",
        180,
        20000,
        WEEKENDS_10_TO_16,
        "Friedrichshain",
        "Equipo propio.",
    ),
    Sample(
        "Zoya",
        "ru",
        "Фотосессия",
        "events",
        60,
        8000,
        WEEKENDS_10_TO_16,
        "Тиргартен",
        "Портреты и семья.",
    ),
    Sample(
        "Aaron",
        "en",
        "Plant care while you travel",
        "other",
        30,
        1000,
        EVERY_DAY_8_TO_20,
        "Wedding",
        "Watering and repotting.",
    ),
    Sample(
        "Bea",
        "es",
        "Ayuda con trámites",
        "other",
        60,
        2500,
        WEEKDAYS_9_TO_18,
        "Mitte",
        "Formularios y citas.",
    ),
    Sample(
        "Clara",
        "en",
        "Babysitting",
        "other",
        180,
        4500,
        EVENINGS,
        "Prenzlauer Berg",
        "First-aid trained.",
    ),
    Sample(
        "Denis",
        "ru",
        "Помощь с переездом",
        "other",
        120,
        5000,
        WEEKENDS_10_TO_16,
        "Нойкёльн",
        "Машина и грузчики.",
    ),
)

CUSTOMERS = (("Mia", "en"), ("Lev", "ru"), ("Sofía", "es"))
REVIEWS = (
    (5, {"en": "Great, will come back!", "ru": "Отлично, приду ещё!", "es": "¡Genial, volveré!"}),
    (
        4,
        {
            "en": "Good, a little late.",
            "ru": "Хорошо, немного опоздали.",
            "es": "Bien, un poco tarde.",
        },
    ),
)


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A one-colour PNG (a placeholder photo; written here to need no imaging library)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


async def seed_demo(sessions: async_sessionmaker[AsyncSession], emulator: Emulator) -> int:
    """Fill the neighbourhood; returns how many offers were made."""
    made: list[tuple[int, User]] = []
    async with sessions() as session:
        for number, sample in enumerate(SAMPLES):
            profile = TelegramProfile(
                id=FIRST_PROVIDER_ID + number, first_name=sample.name, language_code=sample.language
            )
            user = await touch_user(session, profile)
            east, north = (number % 6 - 2.5) * 0.03, (number // 6 - 2) * 0.03
            data = OfferData(
                title=sample.title,
                category=sample.category,
                duration_min=sample.minutes,
                price_minor=sample.price,
                currency="EUR",
                weekly=sample.weekly,
                area=sample.area,
                latitude=CENTRE[0] + north,
                longitude=CENTRE[1] + east,
                description=sample.description,
                min_notice_min=0,
            )
            offer = await offers.create_offer(session, user, data, default_timezone="Europe/Berlin")
            colour = (90 + number * 5 % 160, 140, 200 - number * 3 % 120)
            photo = emulator.store_file(
                f"offer{number}.png", solid_png(96, 72, colour), "image/png"
            )
            await offers.add_photo(session, user, offer.id, photo["file_id"])
            made.append((offer.id, user))
        await session.commit()
    await _past_bookings(sessions, made)
    return len(made)


async def _past_bookings(
    sessions: async_sessionmaker[AsyncSession], made: list[tuple[int, User]]
) -> None:
    """Every third offer: a booking last week, completed and reviewed."""
    today = utcnow().date()
    booked_then = utcnow() - timedelta(days=10)  # the "now" at which it was booked
    async with sessions() as session:
        customers = [
            await touch_user(
                session,
                TelegramProfile(id=FIRST_CUSTOMER_ID + n, first_name=name, language_code=language),
            )
            for n, (name, language) in enumerate(CUSTOMERS)
        ]
        for index, (offer_id, provider_user) in enumerate(made[::3]):
            customer = customers[index % len(customers)]
            offer = await offers.public_offer(session, offer_id)
            free = await slots_by_offer(
                session,
                [offer],
                today - timedelta(days=8),
                today - timedelta(days=2),
                now=booked_then,
            )
            start = free[offer.id][0].start
            booked = await bookings.book(session, customer, offer_id, start, now=booked_then)
            provider = await session.get(User, provider_user.id)
            assert provider is not None
            done = start + timedelta(minutes=offer.duration_min)
            await bookings.change(session, provider, booked.booking.id, "complete", now=done)
            stars, comments = REVIEWS[index % len(REVIEWS)]
            await reviews.review_booking(
                session,
                customer,
                booked.booking.id,
                stars=stars,
                comment=comments[customer.language_code or "en"],
                now=done + timedelta(hours=1),
            )
        await session.commit()
