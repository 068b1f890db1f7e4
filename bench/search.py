"""Search speed on a reproducible catalogue: p50/p95/p99 per query class and size.

    python -m bench.search [--sizes 10000,100000] [--database-url URL [--yes-drop]]
                           [--queries 300] [--classes text,combined,…]

Builds the catalogue (offers in three languages across 40 cities and every category, one
provider per five offers, 60% rated) in a fresh database per size — a temporary SQLite
file by default — then times `services.search.search` for each query class:
text, category, near-me and combined (words + category + price + 10 km), a date class
(category + a free slot on a given day; it runs the availability function), and rare
words near a point (the words then drive the search), timed beside the same queries
driven by the place, as before that choice.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.databases import fresh_postgres
from bench.report import backend_name, percentiles
from bot.db import create_engine, create_sessionmaker
from bot.migrate import upgrade
from models import Offer, OfferHours, Provider, User
from services import search as search_module
from services.geo import GeoPoint
from services.offer_parser import CATEGORIES
from services.search import FEW_MATCHES, SearchQuery, search

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
CITIES = [
    (52.52, 13.40),
    (48.14, 11.58),
    (53.55, 9.99),
    (50.94, 6.96),
    (50.11, 8.68),
    (55.76, 37.62),
    (59.94, 30.31),
    (56.84, 60.61),
    (55.03, 82.92),
    (54.71, 20.51),
    (40.42, -3.70),
    (41.39, 2.17),
    (39.47, -0.38),
    (37.39, -5.98),
    (43.26, -2.93),
    (19.43, -99.13),
    (-34.60, -58.38),
    (4.71, -74.07),
    (-33.45, -70.67),
    (-12.05, -77.04),
    (51.51, -0.13),
    (53.48, -2.24),
    (55.95, -3.19),
    (40.71, -74.01),
    (34.05, -118.24),
    (41.88, -87.63),
    (43.65, -79.38),
    (-33.87, 151.21),
    (-37.81, 144.96),
    (48.86, 2.35),
    (45.76, 4.84),
    (52.37, 4.90),
    (50.85, 4.35),
    (48.21, 16.37),
    (47.50, 19.04),
    (50.08, 14.44),
    (52.23, 21.01),
    (59.33, 18.07),
    (60.17, 24.94),
    (38.72, -9.14),
]
TITLES = {
    "lessons": [
        "Guitar lessons",
        "Piano lessons",
        "Уроки гитары",
        "Репетитор по математике",
        "Clases de guitarra",
        "Clases de inglés",
        "Math tutoring",
        "Уроки английского",
    ],
    "pets": [
        "Dog walking",
        "Cat sitting",
        "Выгул собак",
        "Передержка кошек",
        "Paseo de perros",
        "Cuidado de gatos",
    ],
    "beauty": ["Haircut", "Manicure", "Стрижка мужская", "Маникюр", "Corte de pelo", "Manicura"],
    "repairs": ["Plumber", "Electrician", "Сантехник", "Электрик", "Fontanero", "Electricista"],
    "home": ["Apartment cleaning", "Уборка квартиры", "Limpieza de casa", "Window cleaning"],
    "wellness": ["Yoga class", "Massage", "Йога", "Массаж", "Clase de yoga", "Masaje"],
    "tours": ["City walking tour", "Food tour", "Экскурсия по центру", "Tour gastronómico"],
    "events": ["Party DJ", "Wedding photographer", "Фотограф на свадьбу", "Fotógrafo de bodas"],
    "other": ["Moving help", "Помощь с переездом", "Ayuda con mudanza", "Furniture assembly"],
}
WORDS = [
    "beginner",
    "expert",
    "friendly",
    "опытный",
    "недорого",
    "experiencia",
    "rápido",
    "weekend",
    "вечером",
    "centro",
    "downtown",
    "у метро",
    "a domicilio",
    "at home",
]
RARE_WORDS = ["theremin", "bandoneón", "каллиграфия", "origami", "taxidermia", "sommelier"]
RARE_EVERY = 2000  # one offer in this many holds one of the rare words
TEXT_QUERIES = [
    "guitar",
    "guit",
    "dog walking",
    "стрижка",
    "уроки",
    "clases guitarra",
    "yoga",
    "plumb",
    "фотограф",
    "limpieza",
    "massage",
    "tour",
]


def catalogue_rows(size: int, seed: int = 42) -> dict[str, list[dict[str, Any]]]:
    """Users, providers, offers and weekly hours for `size` offers (same seed, same rows)."""
    rng = random.Random(seed)
    providers = max(size // 5, 1)
    users = [{"id": 10_000 + n, "first_name": f"P{n}", "language": "en"} for n in range(providers)]
    provider_rows = [
        {
            "id": n + 1,
            "user_id": 10_000 + n,
            "display_name": f"Provider {n}",
            "timezone": "UTC",
            "place_kind": "area",
            "banned": False,
            "created_at": NOW,
        }
        for n in range(providers)
    ]
    offers, hours = [], []
    for n in range(size):
        category = rng.choice(CATEGORIES)
        title = f"{rng.choice(TITLES[category])} {rng.choice(WORDS)}"
        lat, lon = rng.choice(CITIES)
        kind = rng.choices(["location", "customer", "online", "area"], [6, 2, 1, 1])[0]
        rated = rng.random() < 0.6
        currency = "RUB" if "а" in title or "у" in title else "EUR"
        offers.append(
            {
                "id": n + 1,
                "provider_id": n % providers + 1,
                "status": "published" if rng.random() < 0.95 else "paused",
                "title": title,
                "description": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)}"
                + _rare_word(n),
                "category": category,
                "duration_min": rng.choice([30, 45, 60, 90]),
                "price_minor": rng.randrange(0, 10_000, 50),
                "currency": currency,
                "capacity": 1,
                "place_kind": kind,
                "area": None,
                "latitude": None if kind == "online" else lat + rng.gauss(0, 0.08),
                "longitude": None if kind == "online" else lon + rng.gauss(0, 0.12),
                "radius_km": rng.choice([5, 10, 20]) if kind == "customer" else None,
                "rating": round(rng.uniform(3.0, 5.0), 2) if rated else None,
                "review_count": rng.randrange(1, 80) if rated else 0,
                "buffer_min": 0,
                "min_notice_min": 60,
                "max_advance_days": 60,
                "requires_approval": False,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        for weekday in rng.sample(range(7), rng.randrange(2, 6)):
            hours.append({"offer_id": n + 1, "weekday": weekday, "start_min": 540, "end_min": 1080})
    return {"users": users, "providers": provider_rows, "offers": offers, "hours": hours}


def _rare_word(n: int) -> str:
    """A rare word for one offer in RARE_EVERY (without drawing from the random stream,
    so the rest of the catalogue stays what it was)."""
    if n % RARE_EVERY != 7:
        return ""
    return " " + RARE_WORDS[n // RARE_EVERY % len(RARE_WORDS)]


async def load(session: AsyncSession, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert the catalogue in batches (the search triggers index each offer)."""
    now = NOW
    for model, key in ((User, "users"), (Provider, "providers"), (Offer, "offers")):
        batch = rows[key]
        if model is User:
            batch = [{**r, "created_at": now, "last_seen_at": now} for r in batch]
        for start in range(0, len(batch), 5000):
            await session.execute(insert(model), batch[start : start + 5000])
    for start in range(0, len(rows["hours"]), 10000):
        await session.execute(insert(OfferHours), rows["hours"][start : start + 10000])
    await session.commit()


def query_classes(rng: random.Random) -> dict[str, Callable[[], SearchQuery]]:
    """A random query of each class."""

    def near() -> GeoPoint:
        lat, lon = rng.choice(CITIES)
        return GeoPoint(lat + rng.gauss(0, 0.03), lon + rng.gauss(0, 0.04))

    return {
        "text": lambda: SearchQuery(text=rng.choice(TEXT_QUERIES)),
        "category": lambda: SearchQuery(category=rng.choice(CATEGORIES)),
        "near-me": lambda: SearchQuery(near=near(), radius_km=5),
        "combined": lambda: SearchQuery(
            text=rng.choice(TEXT_QUERIES),
            category=None,
            max_price_minor=5000,
            currency="EUR",
            near=near(),
            radius_km=10,
            sort="distance",
        ),
        "date": lambda: SearchQuery(
            category=rng.choice(CATEGORIES),
            on_date=date(2026, 11, 27) + timedelta(days=rng.randrange(7)),
        ),
        "rare+near": lambda: SearchQuery(
            text=rng.choice(RARE_WORDS),
            max_price_minor=5000,
            currency="EUR",
            near=near(),
            radius_km=10,
            sort="distance",
        ),
    }


async def run(database_url: str, size: int, queries: int, classes: set[str]) -> None:
    """Build the catalogue of `size` offers and print the timings of each class (all of
    them when `classes` is empty)."""
    await upgrade(database_url)
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    started = time.perf_counter()
    async with sessions() as session:
        await load(session, catalogue_rows(size))
    if not database_url.startswith("sqlite"):
        # As autovacuum leaves a table after inserts: statistics, the GIN index's pending
        # list merged, and the visibility map set (index-only scans of search words).
        # SQLite runs without statistics, as deployed.
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
    built = time.perf_counter() - started
    print(f"{backend_name(database_url)} {size:>9,} offers (built in {built:.0f} s)")
    rng = random.Random(7)
    gc.collect()
    gc.freeze()  # the catalogue rows built above are not garbage: keep the collector off them
    async with sessions() as session:
        for name, make in query_classes(rng).items():
            if classes and name not in classes:
                continue
            # Rare words near a point, also as planned before the choice by selectivity
            # (the place drives), the two interleaved query by query.
            plans = [FEW_MATCHES, 0] if name == "rare+near" else [FEW_MATCHES]
            for _ in range(20):  # warm the caches
                query = make()
                for few in plans:
                    search_module.FEW_MATCHES = few
                    await search(session, query, now=NOW)
            seconds: list[list[float]] = [[] for _ in plans]
            empty = 0
            for _ in range(queries):
                query = make()
                for times, few in zip(seconds, plans, strict=True):
                    search_module.FEW_MATCHES = few
                    start = time.perf_counter()
                    page = await search(session, query, now=NOW)
                    times.append(time.perf_counter() - start)
                empty += not page.hits
            search_module.FEW_MATCHES = FEW_MATCHES
            for times, label in zip(seconds, [name, "  (place first)"], strict=False):
                print(
                    f"  {label:<9} {percentiles(times, 50, 95, 99)}  ({empty} of {queries} empty)"
                )
    await engine.dispose()


async def main() -> None:
    """Parse arguments and run each size on a fresh database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database-url", default="", help="PostgreSQL; emptied first")
    parser.add_argument("--yes-drop", action="store_true", help="empty a non-bench database")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--classes", default="", help="comma-separated; default: all")
    args = parser.parse_args()
    classes = {name for name in args.classes.split(",") if name}
    for size in (int(s) for s in args.sizes.split(",")):
        if args.database_url:
            await fresh_postgres(args.database_url, yes_drop=args.yes_drop)
            await run(args.database_url, size, args.queries, classes)
            continue
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
            await run(url, size, args.queries, classes)


if __name__ == "__main__":
    asyncio.run(main())
