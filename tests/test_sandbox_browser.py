"""The sandbox's page in a real browser (Debian's headless Chromium, driven by Selenium):
a provider posts an offer by one message, a customer finds it and books a time, both
see the booking, the customer downloads the .ics — and the page's JavaScript logs no
error. A failing journey leaves a screenshot next to the test's temporary files."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from bot.migrate import upgrade
from sandbox.server import close_sandbox, open_sandbox, sandbox_app

WAIT = 20.0  # seconds for the page to show what an action caused


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1200,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[str]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    await upgrade(database_url)
    sandbox = await open_sandbox(database_url)
    server = TestServer(sandbox_app(sandbox), host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()
        await close_sandbox(sandbox)


class Page:
    """The page, driven from the test's event loop (the browser runs in a thread, so the
    sandbox keeps serving while the test waits)."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver

    async def run(self, action: Callable[[WebDriver], Any]) -> Any:
        return await asyncio.to_thread(action, self.driver)

    async def until(self, condition: Callable[[WebDriver], Any], what: str) -> Any:
        """Wait for `condition` to hold (checked again as the page changes)."""
        deadline = asyncio.get_running_loop().time() + WAIT
        while True:
            try:
                found = await self.run(condition)
            except (StaleElementReferenceException, WebDriverException):
                found = None
            if found:
                return found
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the page never showed {what}")
            await asyncio.sleep(0.05)  # polling the page, not timing the bot

    async def type(self, text: str) -> None:
        count = await self.run(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#messages li")))
        await self.run(lambda d: d.find_element(By.ID, "text").send_keys(text, Keys.ENTER))
        await self.until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, "#messages li")) > count + 1,
            f"the bot's answer to {text!r}",
        )

    async def click(self, selector: str, what: str) -> None:
        """Click the last element matching `selector`, then wait for the page to change."""

        def click(driver: WebDriver) -> int | None:
            found = driver.find_elements(By.CSS_SELECTOR, selector)
            if not found:
                return None
            before = driver.execute_script("return document.querySelector('#messages').innerText")
            found[-1].click()
            return hash(before)

        before = await self.until(click, what)
        await self.until(
            lambda d: (
                hash(d.execute_script("return document.querySelector('#messages').innerText"))
                != before
            ),
            f"a change after pressing {what}",
        )

    async def persona(self, name: str) -> None:
        await self.run(
            lambda d: next(
                b for b in d.find_elements(By.CSS_SELECTOR, "#personas button") if name in b.text
            ).click()
        )
        await self.until(
            lambda d: (
                name in d.find_element(By.CSS_SELECTOR, "#personas button[aria-pressed=true]").text
            ),
            f"{name} chosen",
        )

    async def last_message(self) -> str:
        return str(
            await self.run(lambda d: d.find_elements(By.CSS_SELECTOR, "#messages li.bot")[-1].text)
        )


async def test_a_booking_in_the_browser(browser: WebDriver, site: str, tmp_path: Path) -> None:
    page = Page(browser)
    try:
        await page.run(lambda d: d.get(site))
        await page.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#personas button"), "personas")
        await page.persona("Anna")
        await page.type("/offer")
        await page.type("Haircut in Mitte, 30 min, 25 EUR, every day 8-20")
        await page.click('button[data-callback^="od-ok"]', "Publish")
        assert "?start=offer_" in await page.last_message()
        await page.persona("Carlos")
        await page.type("/find")
        await page.type("haircut")
        for prefix, what in (
            ("s-open:", "the result"),
            ("s-book:", "Book"),
            ("b-day:", "a day"),
            ("b-time:", "a time"),
            ("b-note-skip:", "Skip"),
            ("b-ok:", "Confirm"),
        ):
            await page.click(f'button[data-callback^="{prefix}"]', what)
        assert "Haircut" in await page.last_message()
        await page.click('button[data-callback^="b-ics:"]', "the calendar file")
        link = await page.until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#messages a[download$='.ics']"),
            "the .ics link",
        )
        href = await page.run(lambda _d: link[-1].get_attribute("href"))
        async with aiohttp.ClientSession() as http, http.get(href) as response:
            assert (await response.read()).startswith(b"BEGIN:VCALENDAR")
        await page.persona("Anna")
        await page.until(
            lambda d: "Carlos" in d.find_element(By.ID, "messages").text, "the booking at Anna's"
        )
        errors = [
            entry
            for entry in await page.run(lambda d: d.get_log("browser"))  # type: ignore[attr-defined]
            if entry["level"] == "SEVERE"
        ]
        assert errors == []
    except BaseException:
        shot = tmp_path / "sandbox-failure.png"
        await page.run(lambda d: d.save_screenshot(str(shot)))
        print(f"screenshot of the failure: {shot}")
        raise
