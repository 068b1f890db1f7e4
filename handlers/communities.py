"""Communities, for the admins of a group or channel, in private: their chats, linking one
with the chat picker, the profile and settings, the queue of submissions and decisions,
the listed offers, stats. Every action asks Telegram again whether the person may (see
`handlers.chat_rights`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import (
    HasText,
    PrivateChat,
    SharedChat,
    SharedPoint,
)
from bot.i18n import Translator
from bot.replies import show
from handlers.chat_rights import (
    CHAT_KINDS,
    admin_community,
    may_manage_chat,
    refresh_admins,
    rights_from,
)
from handlers.community_views import (
    AskPoint,
    ChoiceMenu,
    CommunitiesList,
    CommunityStats,
    Decide,
    EditText,
    Listed,
    OpenCommunity,
    Queue,
    RemoveListing,
    SetChoice,
    chat_picker,
    choice_screen,
    chosen_values,
    community_screen,
    digest_screen,
    list_screen,
    listed_screen,
    point_keyboard,
    queue_screen,
    radius_screen,
    stats_screen,
)
from handlers.menu_views import CommunitiesEntry
from models import Community, User, utcnow
from services import communities, community_stats
from services.communities import NotAnAdmin
from services.geo import GeoPoint


class CommunityStates(StatesGroup):
    """Typed answers of a community's admin."""

    text = State()  # a new name, description or area
    reason = State()  # why a submission is rejected
    point = State()  # the centre of the community's area, shared


async def on_community_command(
    message: Message, bot: Bot, session: AsyncSession, user: User, _: Translator
) -> None:
    """/community: the chats this person runs, adding one, and the chat picker."""
    me = await bot.me()
    items = await communities.administered(session, user.id)
    text, markup = list_screen(items, me.username or "", _)
    await message.answer(_("community.pick_hint"), reply_markup=chat_picker(_))
    await message.answer(text, reply_markup=markup)


async def on_list(
    query: CallbackQuery, bot: Bot, session: AsyncSession, user: User, _: Translator
) -> None:
    """Back to the list of one's communities."""
    me = await bot.me()
    items = await communities.administered(session, user.id)
    await show(query, *list_screen(items, me.username or "", _))


async def on_chat_shared(
    message: Message, bot: Bot, session: AsyncSession, user: User, _: Translator
) -> None:
    """A chat picked with the chat picker: link it if the bot is there and the person runs it."""
    shared = message.chat_shared
    assert shared is not None
    await message.answer(_("community.picked"), reply_markup=ReplyKeyboardRemove())
    try:
        chat = await bot.get_chat(shared.chat_id)
        bot_member = await bot.get_chat_member(shared.chat_id, bot.id)
    except TelegramAPIError:
        await message.answer(_("community.error.bot_not_in_chat"))
        return
    if chat.type not in CHAT_KINDS or bot_member.status in ("left", "kicked"):
        await message.answer(_("community.error.bot_not_in_chat"))
        return
    if not await may_manage_chat(bot, chat.id, chat.type, user.id):
        raise NotAnAdmin()
    community = await communities.link_chat(
        session,
        chat_id=chat.id,
        kind=chat.type,
        title=chat.title or "",
        by=user.id,
        can_post=communities.bot_may_post(chat.type, rights_from(bot_member)),
        now=utcnow(),
    )
    await refresh_admins(bot, session, community)
    await _answer_screen(message, bot, session, community, _)


async def _screen(
    bot: Bot, session: AsyncSession, community: Community, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    me = await bot.me()
    return community_screen(await communities.overview(session, community), me.username or "", _)


async def _answer_screen(
    message: Message, bot: Bot, session: AsyncSession, community: Community, _: Translator
) -> None:
    text, markup = await _screen(bot, session, community, _)
    await message.answer(text, reply_markup=markup)


async def send_community(
    message: Message, bot: Bot, session: AsyncSession, user: User, community_id: int, _: Translator
) -> None:
    """The set-up screen of a community (from the button the bot posted in the group)."""
    community = await admin_community(bot, session, community_id, user.id)
    await communities.add_admins(session, community, [user.id])
    await _answer_screen(message, bot, session, community, _)


async def on_open(
    query: CallbackQuery,
    callback_data: OpenCommunity,
    bot: Bot,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    _: Translator,
) -> None:
    """A community's set-up screen."""
    community = await admin_community(bot, session, callback_data.community_id, user.id)
    await state.clear()
    await show(query, *await _screen(bot, session, community, _))


async def on_menu(
    query: CallbackQuery,
    callback_data: ChoiceMenu,
    bot: Bot,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """The choices of one setting."""
    community = await admin_community(bot, session, callback_data.community_id, user.id)
    categories = communities.accepted_categories(community)
    chosen = chosen_values(community, callback_data.setting, categories)
    await show(query, *choice_screen(community, callback_data.setting, chosen, _))


async def on_set(
    query: CallbackQuery,
    callback_data: SetChoice,
    bot: Bot,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Set a value; categories stay on their menu (several may be ticked)."""
    community = await admin_community(bot, session, callback_data.community_id, user.id)
    setting = callback_data.setting
    await communities.set_choice(
        session, community, setting, callback_data.value, utcnow(), zone=tz.key
    )
    if setting == "category":
        chosen = chosen_values(community, setting, communities.accepted_categories(community))
        await show(query, *choice_screen(community, setting, chosen, _))
        return
    if setting.startswith("digest_"):
        await show(query, *digest_screen(community, _))
        return
    await show(query, *await _screen(bot, session, community, _))


async def on_edit_text(
    query: CallbackQuery,
    callback_data: EditText,
    bot: Bot,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    _: Translator,
) -> None:
    """Ask for a new name, description or area."""
    await admin_community(bot, session, callback_data.community_id, user.id)
    await state.set_state(CommunityStates.text)
    await state.set_data({"community": callback_data.community_id, "field": callback_data.field})
    await show(query, _(f"community.ask.{callback_data.field}"))


async def on_text(
    message: Message, bot: Bot, session: AsyncSession, user: User, state: FSMContext, _: Translator
) -> None:
    """The new name, description or area."""
    data = await state.get_data()
    community = await admin_community(bot, session, int(data.get("community", 0)), user.id)
    field = str(data.get("field", ""))
    try:
        await communities.set_text(session, community, field, message.text or "", utcnow())
    except communities.BadProfileValue:
        limit = communities.TEXT_FIELDS.get(field, 0)
        await message.answer(_("community.error.text", limit=limit))
        return
    await state.clear()
    await _answer_screen(message, bot, session, community, _)


async def on_ask_point(
    query: CallbackQuery,
    callback_data: AskPoint,
    bot: Bot,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    _: Translator,
) -> None:
    """Ask for the centre of the community's area (a shared location)."""
    await admin_community(bot, session, callback_data.community_id, user.id)
    await state.set_state(CommunityStates.point)
    await state.set_data({"community": callback_data.community_id})
    if query.bot is not None:
        await query.bot.send_message(
            query.from_user.id, _("community.ask.point"), reply_markup=point_keyboard(_)
        )


async def on_point(
    message: Message,
    point: GeoPoint,
    bot: Bot,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    _: Translator,
) -> None:
    """The centre shared: then how far around it."""
    data = await state.get_data()
    community = await admin_community(bot, session, int(data.get("community", 0)), user.id)
    await communities.set_point(session, community, point, utcnow())
    await state.clear()
    await message.answer(_("community.point_set"), reply_markup=ReplyKeyboardRemove())
    text, markup = radius_screen(community, _)
    await message.answer(text, reply_markup=markup)


async def on_not_a_point(message: Message, _: Translator) -> None:
    """Anything but a location while the centre is asked for."""
    await message.answer(_("community.ask.point"), reply_markup=point_keyboard(_))


async def on_queue(
    query: CallbackQuery,
    callback_data: Queue,
    bot: Bot,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """The waiting submissions, one per screen."""
    community = await admin_community(bot, session, callback_data.community_id, user.id)
    page = callback_data.page
    items, total = await communities.waiting(session, community, page, size=1)
    if not items and page > 0:  # decided meanwhile: show the last one left
        page = max(total - 1, 0)
        items, total = await communities.waiting(session, community, page, size=1)
    await show(query, *queue_screen(community, items, total, page, _))


async def on_listed(
    query: CallbackQuery,
    callback_data: Listed,
    bot: Bot,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """The offers the community lists, one per screen."""
    community = await admin_community(bot, session, callback_data.community_id, user.id)
    page = callback_data.page
    items, total = await communities.listed(session, community, page)
    if not items and page > 0:
        page = max(total - 1, 0)
        items, total = await communities.listed(session, community, page)
    await show(query, *listed_screen(community, items, total, page, _))


async def on_remove(
    query: CallbackQuery,
    callback_data: RemoveListing,
    callback_answer: CallbackAnswer,
    bot: Bot,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Take a listed offer out of the community; its card goes, its provider is told."""
    community = await admin_community(bot, session, callback_data.community_id, user.id)
    found = await communities.remove_listing(
        session, callback_data.listing_id, community.id, user.id, utcnow()
    )
    callback_answer.text = _.text("community.removed", title=found.offer.title)
    items, total = await communities.listed(session, community, 0)
    await show(query, *listed_screen(community, items, total, 0, _))


async def on_stats(
    query: CallbackQuery,
    callback_data: CommunityStats,
    bot: Bot,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """The community's last weeks in numbers."""
    community = await admin_community(bot, session, callback_data.community_id, user.id)
    weeks = await community_stats.weekly_stats(session, community, utcnow())
    await show(query, *stats_screen(community, weeks, _))


async def on_decide(
    query: CallbackQuery,
    callback_data: Decide,
    callback_answer: CallbackAnswer,
    bot: Bot,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    _: Translator,
) -> None:
    """Approve, ask why it is rejected, or ban the provider from the community."""
    community = await admin_community(bot, session, callback_data.community_id, user.id)
    now = utcnow()
    if callback_data.action == "reject":
        found = await communities.submission(session, callback_data.listing_id, community.id)
        if found.listing.status != "submitted":
            raise communities.AlreadyDecided()
        await state.set_state(CommunityStates.reason)
        await state.set_data({"community": community.id, "listing": found.listing.id})
        await show(query, _("community.ask.reason", title=found.offer.title))
        return
    if callback_data.action == "approve":
        found = await communities.approve(
            session, callback_data.listing_id, community.id, user.id, now
        )
        callback_answer.text = _.text("community.approved")
    else:
        found = await communities.submission(session, callback_data.listing_id, community.id)
        await communities.ban_provider(session, community.id, found.provider.id, user.id, now)
        callback_answer.text = _.text("community.banned", name=found.provider.display_name)
    items, total = await communities.waiting(session, community, 0, size=1)
    await show(query, *queue_screen(community, items, total, 0, _))


async def on_reason(
    message: Message, bot: Bot, session: AsyncSession, user: User, state: FSMContext, _: Translator
) -> None:
    """Why the submission is rejected; the provider is told."""
    data = await state.get_data()
    community = await admin_community(bot, session, int(data.get("community", 0)), user.id)
    text = (message.text or "").strip()
    if not text or len(text) > communities.REASON_LIMIT:
        await message.answer(_("community.error.text", limit=communities.REASON_LIMIT))
        return
    await communities.reject(
        session, int(data.get("listing", 0)), community.id, user.id, text, utcnow()
    )
    await state.clear()
    items, total = await communities.waiting(session, community, 0, size=1)
    screen, markup = queue_screen(community, items, total, 0, _)
    await message.answer(_("community.rejected") + "\n\n" + screen, reply_markup=markup)


def build_router() -> Router:
    """The admins' screens and typed answers, in private."""
    router = Router(name="communities")
    router.message.register(on_community_command, PrivateChat(), Command("community"))
    router.message.register(on_chat_shared, PrivateChat(), StateFilter(None), SharedChat())
    router.message.register(on_text, PrivateChat(), StateFilter(CommunityStates.text), HasText())
    router.message.register(
        on_reason, PrivateChat(), StateFilter(CommunityStates.reason), HasText()
    )
    at_point = StateFilter(CommunityStates.point)
    router.message.register(on_point, PrivateChat(), at_point, SharedPoint())
    router.message.register(on_not_a_point, PrivateChat(), at_point)
    router.callback_query.filter(PrivateChat())
    on_press = router.callback_query.register
    on_press(on_list, CommunitiesList.filter())
    on_press(on_list, CommunitiesEntry.filter())
    on_press(on_open, OpenCommunity.filter())
    on_press(on_menu, ChoiceMenu.filter())
    on_press(on_set, SetChoice.filter())
    on_press(on_edit_text, EditText.filter())
    on_press(on_queue, Queue.filter())
    on_press(on_decide, Decide.filter())
    on_press(on_listed, Listed.filter())
    on_press(on_stats, CommunityStats.filter())
    on_press(on_ask_point, AskPoint.filter())
    on_press(on_remove, RemoveListing.filter())
    return router
