"""The emulator speaks the Bot API like Telegram: validation, errors, updates, faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message

from emulator import Emulator, Fault
from emulator.telegram_html import HtmlParseError, parse_html


@pytest.fixture
async def api(emulator: Emulator) -> AsyncIterator[Bot]:
    """An aiogram client of the emulator (not gigbot: the protocol on its own)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.url))
    bot = Bot(emulator.bot.token, session=session)
    yield bot
    await bot.session.close()


async def raw(emulator: Emulator, method: str, token: str | None = None, **params: Any) -> Any:
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            f"{emulator.url}/bot{token or emulator.bot.token}/{method}", json=params
        ) as response,
    ):
        body = await response.json()
        assert response.status == (200 if body["ok"] else body["error_code"])
        return body


async def test_unknown_methods_and_tokens_are_refused(emulator: Emulator) -> None:
    assert (await raw(emulator, "sendTelepathy"))["error_code"] == 404
    assert (await raw(emulator, "getMe", token="1:AAnotarealtokennotarealtoken12345"))[
        "error_code"
    ] == 401
    me = await raw(emulator, "getMe")
    assert me["result"]["username"] == "gigbot_test_bot"


async def test_get_updates_confirms_by_offset(emulator: Emulator) -> None:
    alice = emulator.user("Alice")
    chat = alice.chat
    for text in ("one", "two"):
        message = emulator.add_message(chat, alice.account, text=text)
        await emulator.push_update(emulator.bot, {"message": message.to_api()})
    first = (await raw(emulator, "getUpdates", timeout=0))["result"]
    assert [u["message"]["text"] for u in first] == ["one", "two"]
    again = (await raw(emulator, "getUpdates", offset=first[0]["update_id"] + 1))["result"]
    assert [u["message"]["text"] for u in again] == ["two"]
    empty = await raw(emulator, "getUpdates", offset=first[1]["update_id"] + 1, timeout=0)
    assert empty["result"] == []


async def test_unwanted_update_kinds_are_not_delivered(emulator: Emulator) -> None:
    await raw(emulator, "getUpdates", timeout=0, allowed_updates=["message"])
    alice = emulator.user("Alice")
    update_id = await emulator.push_update(
        emulator.bot,
        {"inline_query": {"id": "1", "from": alice.account.to_api(), "query": "x", "offset": ""}},
    )
    await emulator.wait_processed(emulator.bot, update_id)  # counts as done at once
    assert (await raw(emulator, "getUpdates", timeout=0))["result"] == []


async def test_messages_are_validated_like_telegram(emulator: Emulator, api: Bot) -> None:
    alice = emulator.user("Alice")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await api.send_message(alice.id, "hello")  # she never wrote to the bot
    emulator.private_chat(alice.account)  # she writes to the bot: now the chat exists
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await api.send_message(alice.id, "x" * 4097)
    await api.send_message(alice.id, "x" * 4096)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await api.send_message(alice.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="Unsupported start tag"):
        await api.send_message(alice.id, "1 < 2 <script>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await api.send_message(
            alice.id,
            "k",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="b", callback_data="x" * 65)]]
            ),
        )
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await raw_markup(emulator, alice.id, {"inline_keyboard": [[{"text": "only text"}]]})


async def raw_markup(emulator: Emulator, chat_id: int, markup: dict[str, Any]) -> None:
    body = await raw(emulator, "sendMessage", chat_id=chat_id, text="k", reply_markup=markup)
    raise TelegramBadRequest(method=None, message=body["description"])  # type: ignore[arg-type]


async def test_edits_are_checked(emulator: Emulator, api: Bot) -> None:
    alice = emulator.user("Alice")
    emulator.private_chat(alice.account)
    sent = await api.send_message(alice.id, "<b>hi</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await api.edit_message_text(
            "<b>hi</b>", chat_id=alice.id, message_id=sent.message_id, parse_mode="HTML"
        )
    edited = await api.edit_message_text(
        "<i>hi</i>", chat_id=alice.id, message_id=sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, Message)
    assert edited.entities is not None
    assert edited.entities[0].type == "italic"
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await api.edit_message_text("x", chat_id=alice.id, message_id=999)
    assert await api.delete_message(alice.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await api.delete_message(alice.id, sent.message_id)


async def test_callback_queries_are_answered_once(emulator: Emulator, api: Bot) -> None:
    emulator.bot.open_callbacks.add("77")
    assert await api.answer_callback_query("77", text="ok")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await api.answer_callback_query("77")
    emulator.bot.open_callbacks.add("78")
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await api.answer_callback_query("78", text="x" * 201)


async def test_inline_answers_are_limited(emulator: Emulator) -> None:
    emulator.bot.open_inline_queries.add("9")
    result = {"type": "article", "title": "t", "input_message_content": {"message_text": "m"}}
    too_many = [{**result, "id": str(n)} for n in range(51)]
    assert (await raw(emulator, "answerInlineQuery", inline_query_id="9", results=too_many))[
        "description"
    ] == "Bad Request: RESULTS_TOO_MUCH"
    duplicate = [{**result, "id": "a"}, {**result, "id": "a"}]
    assert (
        "DUPLICATE"
        in (await raw(emulator, "answerInlineQuery", inline_query_id="9", results=duplicate))[
            "description"
        ]
    )
    ok = await raw(
        emulator,
        "answerInlineQuery",
        inline_query_id="9",
        results=too_many[:50],
        next_offset="50",
        cache_time=30,
    )
    assert ok["ok"] is True
    assert len(emulator.bot.inline_answers["9"]["results"]) == 50


async def test_commands_are_validated(emulator: Emulator) -> None:
    bad = await raw(emulator, "setMyCommands", commands=[{"command": "Start!", "description": "x"}])
    assert bad["description"] == "Bad Request: BOT_COMMAND_INVALID"
    ok = await raw(
        emulator,
        "setMyCommands",
        commands=[{"command": "start", "description": "Go"}],
        language_code="ru",
    )
    assert ok["ok"]
    assert (await raw(emulator, "getMyCommands", language_code="ru"))["result"][0]["command"] == (
        "start"
    )


async def test_descriptions_are_validated_and_shown_by_language(emulator: Emulator) -> None:
    too_long = await raw(emulator, "setMyDescription", description="x" * 513)
    assert too_long["description"] == "Bad Request: DESCRIPTION_INVALID"
    short = await raw(emulator, "setMyShortDescription", short_description="x" * 121)
    assert short["description"] == "Bad Request: SHORT_DESCRIPTION_INVALID"
    assert (await raw(emulator, "setMyDescription", description="Hello"))["ok"]
    assert (await raw(emulator, "setMyDescription", description="Привет", language_code="ru"))["ok"]
    got = await raw(emulator, "getMyDescription", language_code="ru")
    assert got["result"] == {"description": "Привет"}
    assert emulator.bot.empty_chat_texts("ru-RU")[0] == "Привет"
    assert emulator.bot.empty_chat_texts("de")[0] == "Hello"
    assert (await raw(emulator, "setMyDescription", description="", language_code="ru"))["ok"]
    assert emulator.bot.empty_chat_texts("ru")[0] == "Hello"  # removed: the default again


async def test_venues_need_a_place_a_title_and_an_address(emulator: Emulator, api: Bot) -> None:
    alice = emulator.user("Alice")
    emulator.private_chat(alice.account)
    with pytest.raises(TelegramBadRequest, match="wrong location"):
        await api.send_venue(alice.id, 91, 0, title="Studio", address="Main St 1")
    with pytest.raises(TelegramBadRequest, match="VENUE_TITLE_EMPTY"):
        await api.send_venue(alice.id, 52.5, 13.4, title=" ", address="Main St 1")
    sent = await api.send_venue(alice.id, 52.5, 13.4, title="Studio", address="Main St 1")
    assert sent.venue is not None
    assert sent.venue.title == "Studio"
    assert alice.last is not None
    assert alice.last.venue == {
        "location": {"latitude": 52.5, "longitude": 13.4},
        "title": "Studio",
        "address": "Main St 1",
    }


async def test_injected_faults_surface_as_telegram_errors(emulator: Emulator, api: Bot) -> None:
    alice = emulator.user("Alice")
    emulator.private_chat(alice.account)
    emulator.inject(
        Fault(
            method="sendMessage",
            status=429,
            retry_after=7,
            description="Too Many Requests: retry after 7",
        )
    )
    with pytest.raises(TelegramRetryAfter) as retry:
        await api.send_message(alice.id, "a")
    assert retry.value.retry_after == 7
    emulator.inject(Fault(method="sendMessage", status=502, description="Bad Gateway"))
    with pytest.raises(TelegramServerError):
        await api.send_message(alice.id, "b")
    await api.send_message(alice.id, "c")  # faults are used up
    emulator.blocked_by.add(alice.id)
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await api.send_message(alice.id, "d")


async def test_documents_are_uploaded_and_downloadable(emulator: Emulator, api: Bot) -> None:
    alice = emulator.user("Alice")
    emulator.private_chat(alice.account)
    sent = await api.send_document(
        alice.id, BufferedInputFile(b"BEGIN:VCALENDAR", filename="visit.ics"), caption="yours"
    )
    assert sent.document is not None
    assert sent.document.file_name == "visit.ics"
    assert alice.last is not None
    assert alice.last.document is not None
    assert alice.last.document["content"] == b"BEGIN:VCALENDAR"
    file = await api.get_file(sent.document.file_id)
    assert file.file_path is not None
    downloaded = await api.download_file(file.file_path)
    assert downloaded is not None
    assert downloaded.read() == b"BEGIN:VCALENDAR"


async def test_group_membership_is_reported(emulator: Emulator, api: Bot) -> None:
    owner = emulator.user("Olga")
    group = emulator.group("Dog owners of Mitte")
    group.join(owner, "creator")
    emulator.bot.allowed_updates = ["message"]  # nobody consumes my_chat_member here
    await group.add_bot(owner, as_admin=True)
    member = await api.get_chat_member(group.id, owner.id)
    assert member.status == "creator"
    me = await api.get_chat_member(group.id, emulator.bot.user.id)
    assert me.status == "administrator"
    await api.send_message(group.id, "hello group")
    assert group.messages[-1].text == "hello group"


@pytest.mark.parametrize(
    ("html", "text", "types"),
    [
        ("<b>bold</b> and <i>it</i>", "bold and it", ["bold", "italic"]),
        ("&lt;b&gt; &amp; &quot;", '<b> & "', []),
        ('<a href="https://t.me/x?a=1&amp;b=2">link</a>', "link", ["text_link"]),
        ('<span class="tg-spoiler">s</span>', "s", ["spoiler"]),
        ('<pre><code class="language-python">x</code></pre>', "x", ["pre"]),
        ("😀<b>x</b>", "😀x", ["bold"]),
        ("a & b", "a & b", []),
    ],
)
def test_html_parses_into_text_and_entities(html: str, text: str, types: list[str]) -> None:
    parsed, entities = parse_html(html)
    assert parsed == text
    assert [e["type"] for e in entities] == types


def test_utf16_offsets() -> None:
    _, entities = parse_html("😀<b>x</b>")
    assert entities[0]["offset"] == 2  # the emoji is two UTF-16 code units


@pytest.mark.parametrize(
    "html", ["<b>x", "x</b>", "<b><i>x</b></i>", "<div>x</div>", "<span>x</span>", "a < b"]
)
def test_bad_html_is_refused(html: str) -> None:
    with pytest.raises(HtmlParseError):
        parse_html(html)


async def test_webhook_delivery_redelivers_failures_and_runs_chats_side_by_side(
    emulator: Emulator, api: Bot
) -> None:
    """A failed call is made again; a chat waiting on its update does not hold up another
    chat, while one chat's updates stay in order."""
    from aiohttp import web

    from emulator.harness import free_port

    received: list[tuple[int, str]] = []
    release_ann, last_came = asyncio.Event(), asyncio.Event()
    failed_once: set[str] = set()

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        text = update["message"]["text"]
        received.append((update["update_id"], text))
        if text == "ann 1" and text not in failed_once:
            failed_once.add(text)
            return web.Response(status=500)
        if text == "ann 1":
            await release_ann.wait()  # Ann's chat is busy until Bob's update has come
        if text == "bob 1":
            release_ann.set()
        if text == "ann 2":
            last_came.set()
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        ann, bob = emulator.user("Ann"), emulator.user("Bob")
        for person, text in ((ann, "ann 1"), (ann, "ann 2"), (bob, "bob 1")):
            await person.send_nowait(text)
        await api.set_webhook(f"http://127.0.0.1:{port}/hook")
        await asyncio.wait_for(last_came.wait(), 30)
    finally:
        await api.delete_webhook()
        await runner.cleanup()
    texts = [text for _, text in received]
    assert texts.count("ann 1") == 2  # the 500, then again
    assert texts.index("bob 1") < texts.index("ann 2")  # Bob was not held up behind Ann
    assert texts.index("ann 2") > len(texts) - 2  # Ann's second only after her first
    assert emulator.redeliveries == 1
