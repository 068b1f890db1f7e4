"""The search service on SQLite FTS5 and PostgreSQL: words, filters, place, date, sorting,
"did you mean", staying correct after edits, and hostile input.

Every test runs on both databases with the same expectations: that is the backend parity.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db import create_sessionmaker
from models import Offer, Provider, User
from services import offers, providers
from services import search as search_module
from services.geo import GeoPoint, distance_km
from services.offers import OfferData
from services.search import SearchQuery, search
from services.search_query import FEW_MATCHES, RANKED_MATCHES, query_words
from services.search_sql import Shape, statement_for
from services.users import TelegramProfile, touch_user
from tests.helpers import offer_data

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # a Thursday
SATURDAY, MONDAY = date(2026, 11, 28), date(2026, 11, 30)
ALEXANDERPLATZ = GeoPoint(52.5219, 13.4132)
WEEKDAYS = [(d, 540, 1080) for d in range(5)]


def offer(title: str, **fields: object) -> OfferData:
    return offer_data(title, **{"category": "other", "weekly": WEEKDAYS, **fields})


CATALOGUE = {
    "guitar": offer(
        "Guitar lessons for beginners",
        category="lessons",
        price_minor=2500,
        place_kind="location",
        latitude=52.5300,
        longitude=13.4100,  # ~0.9 km from Alexanderplatz
        weekly=[(5, 600, 840)],  # Saturdays only
    ),
    "guitarra": offer(
        "Clases de guitarra",
        category="lessons",
        description="Guitarra española, grupos de 4.",
        price_minor=2000,
        place_kind="location",
        latitude=52.4900,
        longitude=13.4200,  # ~3.6 km away
    ),
    "haircut": offer(
        "Стрижка мужская",
        category="beauty",
        description="Мастер Алёна",
        price_minor=80000,
        currency="RUB",
        area="Пресня",
    ),
    "café": offer(
        "Café crème tasting tour",
        category="tours",
        price_minor=1500,
        place_kind="location",
        latitude=52.5200,
        longitude=13.3000,  # ~7.7 km away
    ),
    "walker": offer(
        "Dog walking",
        category="pets",
        price_minor=1500,
        place_kind="customer",
        latitude=52.5450,
        longitude=13.4200,  # ~2.6 km away; travels 5 km
        radius_km=5,
    ),
    "online": offer("Online guitar theory", category="lessons", price_minor=0, place_kind="online"),
    "usd": offer("Guitar repair", category="repairs", price_minor=1000, currency="USD"),
}


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with create_sessionmaker(engine)() as session:
        yield session


@pytest.fixture
async def catalogue(session: AsyncSession) -> dict[str, int]:
    """The offers above, each by its own provider; name → offer id."""
    ids = {}
    for number, (name, data) in enumerate(CATALOGUE.items(), start=1):
        user = await touch_user(session, TelegramProfile(id=1000 + number, first_name=name))
        ids[name] = (await offers.create_offer(session, user, data, default_timezone="UTC")).id
    await session.commit()
    return ids


async def found(session: AsyncSession, query: SearchQuery, ids: dict[str, int]) -> list[str]:
    names = {offer_id: name for name, offer_id in ids.items()}
    page = await search(session, query, now=NOW, limit=20)
    return [names[hit.offer_id] for hit in page.hits]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("guitar", {"guitar", "guitarra", "online", "usd"}),  # every word is a prefix
        ("guit", {"guitar", "guitarra", "online", "usd"}),  # as the user types
        ("repair", {"usd"}),
        ("GUITARRA", {"guitarra"}),  # case
        ("espanola", {"guitarra"}),  # accents, in the description
        ("cafe creme", {"café"}),
        ("стриж", {"haircut"}),  # Cyrillic prefix
        ("СТРИЖКА", {"haircut"}),
        ("пресня", {"haircut"}),  # the area is searchable
        ("алена", {"haircut"}),  # ё is е
        ("guitar lessons", {"guitar"}),  # every word must match
        ("dog walking", {"walker"}),
        ("piano", set()),
    ],
)
async def test_words_match_case_accent_and_prefix_insensitively(
    session: AsyncSession, catalogue: dict[str, int], text: str, expected: set[str]
) -> None:
    assert set(await found(session, SearchQuery(text=text), catalogue)) == expected


async def test_title_words_rank_first(session: AsyncSession, catalogue: dict[str, int]) -> None:
    ranked = await found(session, SearchQuery(text="guitarra"), catalogue)
    assert ranked == ["guitarra"]
    ranked = await found(session, SearchQuery(text="tour"), catalogue)
    assert ranked == ["café"]


async def test_category_and_price_filters(session: AsyncSession, catalogue: dict[str, int]) -> None:
    lessons = await found(session, SearchQuery(category="lessons"), catalogue)
    assert set(lessons) == {"guitar", "guitarra", "online"}
    cheap = SearchQuery(category="lessons", max_price_minor=2000, currency="EUR")
    assert set(await found(session, cheap, catalogue)) == {"guitarra", "online"}  # free counts
    # A price limit in euros leaves out offers priced in other money.
    assert "usd" not in await found(
        session, SearchQuery(text="guitar", max_price_minor=5000, currency="EUR"), catalogue
    )


async def test_sorting_by_price_and_by_rating_with_unrated_last(
    session: AsyncSession, catalogue: dict[str, int]
) -> None:
    by_price = await found(session, SearchQuery(category="lessons", sort="price"), catalogue)
    assert by_price == ["online", "guitarra", "guitar"]
    await session.execute(
        update(Offer).where(Offer.id == catalogue["guitarra"]).values(rating=4.8, review_count=9)
    )
    await session.execute(
        update(Offer).where(Offer.id == catalogue["online"]).values(rating=4.2, review_count=3)
    )
    by_rating = await found(session, SearchQuery(category="lessons", sort="rating"), catalogue)
    assert by_rating == ["guitarra", "online", "guitar"]


async def test_near_a_point_sorted_by_real_distance(
    session: AsyncSession, catalogue: dict[str, int]
) -> None:
    query = SearchQuery(near=ALEXANDERPLATZ, radius_km=5)
    page = await search(session, query, now=NOW, limit=20)
    names = {offer_id: name for name, offer_id in catalogue.items()}
    assert [names[hit.offer_id] for hit in page.hits] == ["guitar", "walker", "guitarra"]
    guitar = CATALOGUE["guitar"]
    assert guitar.latitude is not None
    assert guitar.longitude is not None
    exact = distance_km(ALEXANDERPLATZ, GeoPoint(guitar.latitude, guitar.longitude))
    assert page.hits[0].distance_km == pytest.approx(exact)
    assert 0.85 < exact < 0.95
    assert page.hits[1].comes_to_customer
    # A wider radius reaches the café; online offers only on request, after every place.
    wider = await found(session, replace(query, radius_km=10, include_online=True), catalogue)
    assert wider == ["guitar", "walker", "guitarra", "café", "online"]


@pytest.mark.parametrize("few_matches", [0, FEW_MATCHES], ids=["place-first", "words-first"])
async def test_words_near_a_point_nearest_first(
    session: AsyncSession,
    catalogue: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    few_matches: int,
) -> None:
    # The same answers whichever drives: the place's box, or the words' few matches.
    monkeypatch.setattr(search_module, "FEW_MATCHES", few_matches)
    query = SearchQuery(text="guit", near=ALEXANDERPLATZ, radius_km=5)
    assert await found(session, query, catalogue) == ["guitar", "guitarra"]
    with_online = replace(query, include_online=True, max_price_minor=2000, currency="EUR")
    assert await found(session, with_online, catalogue) == ["guitarra", "online"]


async def test_a_provider_who_travels_matches_only_inside_their_radius(
    session: AsyncSession, catalogue: dict[str, int]
) -> None:
    far = GeoPoint(52.5450, 13.5200)  # ~6.8 km from the dog walker, who travels 5 km
    assert "walker" not in await found(session, SearchQuery(near=far, radius_km=25), catalogue)
    near = GeoPoint(52.5450, 13.4700)  # ~3.4 km
    assert "walker" in await found(session, SearchQuery(near=near, radius_km=1), catalogue)


async def test_available_on_a_date(session: AsyncSession, catalogue: dict[str, int]) -> None:
    saturday = await found(session, SearchQuery(category="lessons", on_date=SATURDAY), catalogue)
    assert saturday == ["guitar"]
    monday = await found(session, SearchQuery(category="lessons", on_date=MONDAY), catalogue)
    assert set(monday) == {"guitarra", "online"}


async def test_pages_follow_each_other_without_gaps(
    session: AsyncSession, catalogue: dict[str, int]
) -> None:
    everything = await found(session, SearchQuery(sort="price"), catalogue)
    assert len(everything) == len(CATALOGUE)
    seen: list[int] = []
    for offset in range(0, len(CATALOGUE), 3):
        page = await search(session, SearchQuery(sort="price"), now=NOW, offset=offset, limit=3)
        seen.extend(hit.offer_id for hit in page.hits)
        assert page.has_more == (offset + 3 < len(CATALOGUE))
    assert seen == [catalogue[name] for name in everything]


async def test_did_you_mean_for_a_typo(session: AsyncSession, catalogue: dict[str, int]) -> None:
    page = await search(session, SearchQuery(text="guitr lesons"), now=NOW)
    assert page.hits == []
    assert page.suggestion == "guitar lessons"
    page = await search(session, SearchQuery(text="стришка"), now=NOW)
    assert page.suggestion == "стрижка"
    page = await search(session, SearchQuery(text="xylophone"), now=NOW)
    assert page.suggestion is None  # nothing close: no suggestion


async def test_search_follows_edits_pauses_deletes_and_bans(
    session: AsyncSession, catalogue: dict[str, int]
) -> None:
    owner = await session.get(User, 1001)  # the guitar teacher
    assert owner is not None
    guitar = catalogue["guitar"]
    await offers.update_offer(session, owner, guitar, title="Ukulele lessons")
    await session.commit()
    assert "guitar" not in await found(session, SearchQuery(text="guitar"), catalogue)
    assert await found(session, SearchQuery(text="ukulele"), catalogue) == ["guitar"]
    await offers.set_paused(session, owner, guitar, paused=True)
    await session.commit()
    assert await found(session, SearchQuery(text="ukulele"), catalogue) == []
    await offers.set_paused(session, owner, guitar, paused=False)
    await session.commit()
    assert await found(session, SearchQuery(text="ukulele"), catalogue) == ["guitar"]
    await session.execute(update(Provider).where(Provider.user_id == 1001).values(banned=True))
    await session.commit()
    assert await found(session, SearchQuery(text="ukulele"), catalogue) == []
    await session.execute(update(Provider).where(Provider.user_id == 1001).values(banned=False))
    await offers.delete_offer(session, owner, guitar, now=NOW)
    await session.commit()
    assert await found(session, SearchQuery(text="ukulele"), catalogue) == []
    assert await session.scalar(select(Offer.status).where(Offer.id == guitar)) == "deleted"


HOSTILE = [
    '"',
    '"guitar',
    "guitar*",
    "*",
    "NEAR(guitar lessons)",
    "guitar OR 1=1",
    "guitar AND NOT lessons",
    "'; DROP TABLE offers; --",
    "title:guitar",
    "guitar^2 -lessons +beginners",
    "(((",
    "a" * 4000,
    "guitar " * 600,
    "😀🎸🔥",
    "   ",
    "\x00guitar",
    "ё й ñ ß ﬁ",
    "guitar:* & !lessons | <->",
    "١٢٣ 漢字 ギター",
]


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_input_finds_or_finds_nothing_never_fails(
    session: AsyncSession, catalogue: dict[str, int], text: str
) -> None:
    page = await search(session, SearchQuery(text=text), now=NOW)
    assert isinstance(page.hits, list)
    # The database is untouched and still searchable.
    assert "guitar" in await found(session, SearchQuery(text="guitar"), catalogue)


def test_query_words_keep_letters_and_digits_only() -> None:
    assert query_words('NEAR("guitar" OR lessons*)') == ["near", "guitar", "or", "lessons"]
    assert query_words("😀🎸") == []
    assert len(query_words("word " * 100)) == 8


async def test_offers_without_a_point_are_found_near_their_provider(
    session: AsyncSession,
) -> None:
    walker = await touch_user(session, TelegramProfile(id=77, first_name="Walker"))
    sitting = await offers.create_offer(
        session, walker, offer("Cat sitting", area="Mitte"), default_timezone="UTC"
    )
    query = SearchQuery(text="sitting", near=ALEXANDERPLATZ, radius_km=3)
    assert (await search(session, query, now=NOW)).hits == []  # no point yet
    await providers.set_workplace(
        session, walker, "UTC", kind="location", latitude=52.5300, longitude=13.4100
    )
    walking = await offers.create_offer(
        session, walker, offer("Dog sitting", place_kind="customer"), default_timezone="UTC"
    )
    hits = (await search(session, query, now=NOW)).hits
    assert {hit.offer_id for hit in hits} == {sitting.id, walking.id}
    assert [hit.comes_to_customer for hit in hits if hit.offer_id == walking.id] == [True]


async def test_filters_apply_before_the_newest_matches_are_cut(session: AsyncSession) -> None:
    # More offers hold the word than are ranked (300): the one in the wanted category
    # is the oldest, behind 310 newer matches of another category.
    user = await touch_user(session, TelegramProfile(id=5000, first_name="Zed"))
    oldest = await offers.create_offer(
        session, user, offer("Zebra painting lesson", category="lessons"), default_timezone="UTC"
    )
    best_but_old = await offers.create_offer(
        session, user, offer("Zebra zebra zebra", category="tours"), default_timezone="UTC"
    )
    for n in range(RANKED_MATCHES + 10):
        await offers.create_offer(
            session, user, offer(f"Zebra park tour {n}", category="tours"), default_timezone="UTC"
        )
    # The newest match holds another word the prefix starts, three times.
    newest = await offers.create_offer(
        session, user, offer("Zebu zebu zebu", category="tours"), default_timezone="UTC"
    )
    await session.commit()
    page = await search(session, SearchQuery(text="zebra", category="lessons"), now=NOW)
    assert [hit.offer_id for hit in page.hits] == [oldest.id]
    page = await search(session, SearchQuery(text="zebra"), now=NOW, limit=5)
    assert len(page.hits) == 5  # words alone: the newest are ranked
    assert page.has_more
    assert best_but_old.id not in {hit.offer_id for hit in page.hits}
    # Words alone, a prefix of two words: the newest matches of both are ranked.
    page = await search(session, SearchQuery(text="zeb"), now=NOW, limit=5)
    assert page.hits[0].offer_id == newest.id
    assert best_but_old.id not in {hit.offer_id for hit in page.hits}


async def test_rare_words_drive_a_search_near_a_point_and_common_ones_do_not(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await touch_user(session, TelegramProfile(id=5001, first_name="Zoe"))
    here = offer(
        "Zither lesson, quiet zebra", place_kind="location", latitude=52.52, longitude=13.41
    )
    zither = await offers.create_offer(session, user, here, default_timezone="UTC")
    for n in range(FEW_MATCHES):  # as many far-away zebras as make the word common
        far = offer(f"Zebra walk {n}", place_kind="location", latitude=40.4, longitude=-3.7)
        await offers.create_offer(session, user, far, default_timezone="UTC")
    await session.commit()
    shapes: list[Shape] = []

    def spy(shape: Shape, *args: object) -> object:
        shapes.append(shape)
        return statement_for(shape, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(search_module, "statement_for", spy)
    monkeypatch.setattr(search_module, "_RARE_WORDS", {})  # no answer of another test's database
    for text, words_first in (("zither", True), ("zebra", False), ("zebra zither", True)):
        query = SearchQuery(text=text, near=ALEXANDERPLATZ, radius_km=5)
        page = await search(session, query, now=NOW)
        assert [hit.offer_id for hit in page.hits] == [zither.id], text
        assert shapes.pop().words_first is words_first, text
