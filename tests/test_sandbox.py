"""`gigbot sandbox` through its page's API, over HTTP: a provider posts an offer by one
message, a customer finds and books it, both see the booking, the customer downloads the
.ics; and what the page sends is checked like any input from outside."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select, update

from bot.migrate import upgrade
from emulator.harness import free_port
from models import Booking, Offer, OfferPhoto, Review, User
from sandbox.seed import SAMPLES, seed_demo
from sandbox.server import Sandbox, close_sandbox, open_sandbox, sandbox_app


class Page:
    """What the page's JavaScript does, as plain HTTP calls."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base
        self.state: dict[str, Any] = {}

    async def get(self, path: str) -> Any:
        async with self.http.get(self.base + path) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def post(self, path: str, body: dict[str, Any], status: int = 200) -> Any:
        async with self.http.post(self.base + path, json=body) as response:
            assert response.status == status, await response.text()
            return await response.json() if status == 200 else await response.text()

    def persona(self, role: str) -> int:
        return int(next(p["id"] for p in self.state["personas"] if p["role"] == role))

    async def chat(self, persona: int, chat: int | None = None) -> list[dict[str, Any]]:
        data = await self.get(f"/api/messages?persona={persona}&chat={chat or persona}")
        return list(data["messages"])

    async def send(self, persona: int, text: str) -> None:
        await self.post("/api/send", {"persona": persona, "chat": persona, "text": text})

    async def press(self, persona: int, prefix: str) -> dict[str, Any]:
        """Press the newest button whose callback data starts with `prefix`."""
        for message in reversed(await self.chat(persona)):
            for row in message["inline"]:
                for button in row:
                    if button.get("data", "").startswith(prefix):
                        body = {
                            "persona": persona,
                            "chat": persona,
                            "message": message["id"],
                            "data": button["data"],
                        }
                        return dict(await self.post("/api/press", body))
        raise AssertionError(f"no button {prefix!r}")


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    await upgrade(database_url)
    opened = await open_sandbox(database_url)
    try:
        yield opened
    finally:
        await close_sandbox(opened)


@pytest.fixture
async def page(sandbox: Sandbox) -> AsyncIterator[Page]:
    server = TestServer(sandbox_app(sandbox), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        opened = Page(http, str(server.make_url("")).rstrip("/"))
        opened.state = await opened.get("/api/state")
        yield opened
    await server.close()


async def test_a_whole_booking_through_the_page(page: Page) -> None:
    state = page.state
    assert {p["role"] for p in state["personas"]} == {"provider", "customer", "admin"}
    assert {g["kind"] for g in state["groups"]} == {"supergroup", "channel"}
    anna, carlos = page.persona("provider"), page.persona("customer")
    assert any(c["command"] == "find" for c in state["personas"][0]["commands"])
    # Anna posts an offer by one message.
    await page.send(anna, "/offer")
    await page.send(anna, "Haircut in Mitte, 30 min, 25 EUR, every day 8-20")
    await page.press(anna, "od-ok")
    assert "?start=offer_" in (await page.chat(anna))[-1]["text"]
    # Carlos (in Spanish) finds it and books a time.
    await page.send(carlos, "/find")
    await page.send(carlos, "haircut")
    for prefix in ("s-open:", "s-book:", "b-day:", "b-time:", "b-note-skip:", "b-ok:"):
        await page.press(carlos, prefix)
    confirmed = (await page.chat(carlos))[-1]
    assert "Haircut" in confirmed["text"]
    # Anna sees the booking too, with Carlos's name.
    assert any("Carlos" in m["text"] for m in await page.chat(anna))
    # Carlos downloads the .ics.
    await page.press(carlos, "b-ics:")
    document = (await page.chat(carlos))[-1]["document"]
    assert document["name"].endswith(".ics")
    async with page.http.get(page.base + document["url"]) as response:
        assert response.status == 200
        assert (await response.read()).startswith(b"BEGIN:VCALENDAR")


async def test_a_deposit_paid_on_the_page(sandbox: Sandbox, page: Page) -> None:
    """The sandbox takes test payments: an offer asking for its full price shows an
    invoice after Confirm, and Pay books it."""
    anna, carlos = page.persona("provider"), page.persona("customer")
    await page.send(anna, "/offer")
    await page.send(anna, "Massage in Mitte, 60 min, 40 EUR, every day 8-20")
    await page.press(anna, "od-ok")
    async with sandbox.bot.app.sessionmaker() as session:
        await session.execute(update(Offer).values(prepayment="full"))
        await session.commit()
    await page.send(carlos, "/find")
    await page.send(carlos, "massage")
    for prefix in ("s-open:", "s-book:", "b-day:", "b-time:", "b-note-skip:", "b-ok:"):
        await page.press(carlos, prefix)
    invoice = next(m for m in reversed(await page.chat(carlos)) if "invoice" in m)
    assert (invoice["invoice"]["currency"], invoice["invoice"]["total_amount"]) == ("EUR", 4000)
    paid = await page.post("/api/pay", {"persona": carlos, "message": invoice["id"]})
    assert paid == {"charged": True, "refusal": None}
    async with sandbox.bot.app.sessionmaker() as session:
        assert await session.scalar(select(Booking.status)) == "confirmed"
    again = await page.post("/api/pay", {"persona": carlos, "message": invoice["id"]})
    assert again["charged"] is False  # the hold is a booking now: refused before charging
    await page.post("/api/pay", {"persona": carlos, "message": 10**9}, status=400)


async def test_what_the_page_sends_is_checked(page: Page) -> None:
    anna = page.persona("provider")
    stranger_chat = -1
    cases: list[tuple[str, dict[str, Any]]] = [
        ("/api/send", {"persona": 1, "chat": 1, "text": "hi"}),  # no such persona
        ("/api/send", {"persona": anna, "chat": stranger_chat, "text": "hi"}),
        ("/api/send", {"persona": anna, "chat": anna, "text": ""}),
        ("/api/send", {"persona": str(anna), "chat": anna, "text": "hi"}),
        ("/api/press", {"persona": anna, "chat": anna, "message": 10**9, "data": "x"}),
        ("/api/share", {"persona": anna, "latitude": 91, "longitude": 0}),
        ("/api/share", {"persona": anna, "latitude": True, "longitude": 0}),
        ("/api/share", {"persona": anna, "latitude": "52", "longitude": "13"}),
        ("/api/inline", {"persona": anna, "query": "x" * 300}),
    ]
    for path, body in cases:
        await page.post(path, body, status=400)
    async with page.http.post(page.base + "/api/send", data=b"not json") as response:
        assert response.status == 400
    async with page.http.get(page.base + "/api/messages?persona=x&chat=1") as response:
        assert response.status == 400
    async with page.http.get(page.base + "/files/nope") as response:
        assert response.status == 404


async def test_gigbot_sandbox_serves_the_page_and_stops_at_once(tmp_path: Path) -> None:
    """The command a newcomer types: it prints the address, serves the page, and a
    Ctrl+C stops it at once even with the page's event stream open; a port in use is
    one clear line."""
    port = free_port()
    database = tmp_path / "kept.db"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        "--port",
        str(port),
        "--database",
        str(database),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    assert f"http://127.0.0.1:{port}" in line.decode()
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        async with http.get(base + "/") as response:
            assert response.status == 200
            assert "gigbot sandbox" in await response.text()
        async with http.get(base + "/api/events") as stream:
            assert (await stream.content.readline()).startswith(b"data: ")
            taken = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "sandbox",
                "--port",
                str(port),
                stderr=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
            )
            _, error = await asyncio.wait_for(taken.communicate(), 60)
            assert taken.returncode == 1
            assert error.decode().strip().splitlines() == [
                f"gigbot sandbox: cannot serve on 127.0.0.1:{port}: the port is in use"
            ]
            process.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(process.wait(), 15) == 0
    assert database.exists()  # --database keeps the file


async def test_the_demo_neighbourhood(sandbox: Sandbox, page: Page) -> None:
    """--seed demo: 30 providers in three languages, with photos, and reviewed bookings;
    a customer finds them by words and sees ratings."""
    made = await seed_demo(sandbox.bot.app.sessionmaker, sandbox.emulator)
    assert made == len(SAMPLES) == 30
    async with sandbox.bot.app.sessionmaker() as session:
        counts = {
            model.__name__: await session.scalar(select(func.count()).select_from(model))
            for model in (Offer, OfferPhoto, Review)
        }
        languages = set(await session.scalars(select(User.language_code)))
    assert counts == {"Offer": 30, "OfferPhoto": 30, "Review": 10}
    assert {"en", "ru", "es"} <= languages
    carlos = page.persona("customer")
    await page.send(carlos, "/find")
    await page.send(carlos, "lessons")
    results = (await page.chat(carlos))[-1]["text"]
    assert "Guitar lessons" in results
    assert "Piano lessons" in results
    assert "★" in results  # a reviewed offer shows its rating


async def test_inline_mode_location_and_contact_through_the_page(page: Page) -> None:
    anna, carlos = page.persona("provider"), page.persona("customer")
    await page.send(anna, "/offer")
    await page.send(anna, "Haircut in Mitte, 30 min, 25 EUR, every day 8-20")
    await page.press(anna, "od-ok")
    group = next(g["id"] for g in page.state["groups"] if g["kind"] == "supergroup")
    # "@bot haircut" in the group: the bot's results; one is sent to the group.
    answer = await page.post("/api/inline", {"persona": carlos, "query": "haircut"})
    [result] = answer["results"]
    assert "Haircut" in result["title"]
    body = {"persona": carlos, "chat": group, "result": result["id"]}
    await page.post("/api/inline/choose", body)
    posted = (await page.chat(carlos, group))[-1]
    assert "Haircut" in posted["text"]
    assert posted["inline"][0][0]["url"].startswith("https://t.me/")
    # Anna's printable card, shared in the group from its button (the page types the
    # inline query Telegram's chat picker would), arrives as a picture.
    await page.send(anna, "/my_offers")
    await page.press(anna, "mo:")
    await page.press(anna, "mo-share")
    await page.press(anna, "mo-card")
    card = (await page.chat(anna))[-1]
    assert card["photo"].startswith("/files/")
    [[share]] = card["inline"]
    assert share["inline"].startswith("card_")
    answer = await page.post("/api/inline", {"persona": anna, "query": share["inline"]})
    photo = next(r for r in answer["results"] if r["id"].startswith("card-"))
    await page.post("/api/inline/choose", {"persona": anna, "chat": group, "result": photo["id"]})
    posted = (await page.chat(anna, group))[-1]
    assert posted["photo"] == card["photo"]
    assert "t.me/" in posted["text"]
    # Near me: the reply keyboard asks for a location, shared from the map.
    await page.send(carlos, "/find")
    await page.press(carlos, "s-near")
    keyboard = (await page.chat(carlos))[-1]["keyboard"]
    assert keyboard[0][0]["kind"] == "location"
    await page.post("/api/share", {"persona": carlos, "latitude": 52.52, "longitude": 13.4})
    assert "10 km" in (await page.chat(carlos))[-1]["text"]  # searched around that point
    # One's own contact, from a contact button.
    await page.send(anna, "/profile")
    await page.press(anna, "pf-phone")
    await page.post("/api/share", {"persona": anna, "kind": "contact"})
    assert any("+49 30 1234567" in (m.get("contact") or "") for m in await page.chat(anna))
