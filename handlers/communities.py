"""Communities: the bot added to a group or channel, set-up and moderation by the chat's
admins in private, and providers submitting their offers.

Every admin action asks Telegram again (`getChatMember`) whether the person is still the
chat's creator or an administrator with the right that matters; nothing about rights is
taken from the button or remembered.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    ChatMemberAdministrator,
    ChatMemberOwner,
    ChatMemberRestricted,
    ChatMemberUpdated,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardRemove,
)
from aiogram.types.chat_member_union import ChatMemberUnion
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import (
    GroupMigrated,
    GroupOrChannel,
    HasText,
    PrivateChat,
    SharedChat,
    SharedPoint,
)
from bot.i18n import Translator
from bot.replies import show
from handlers.community_views import (
    AskPoint,
    ChoiceMenu,
    CommunitiesList,
    CommunityStats,
    Decide,
    EditText,
    Listed,
    OfferCommunities,
    OfferHere,
    OpenCommunity,
    Queue,
    RemoveListing,
    SetChoice,
    Submit,
    catalogue_button,
    chat_picker,
    choice_screen,
    chosen_values,
    community_screen,
    digest_screen,
    is_channel,
    list_screen,
    listed_screen,
    offer_communities_screen,
    offer_here_screen,
    point_keyboard,
    queue_screen,
    radius_screen,
    stats_screen,
    welcome_screen,
)
from handlers.menu_views import CommunitiesEntry
from handlers.my_offers_views import OpenOffer
from models import Community, CommunityStatus, OfferStatus, User, utcnow
from services import communities, community_stats, offers
from services.communities import ChatRights, NotAnAdmin
from services.deeplinks import CatalogueLink, start_link
from services.geo import GeoPoint

log = logging.getLogger(__name__)

CHAT_KINDS = ("group", "supergroup", "channel")


class CommunityStates(StatesGroup):
    """Typed answers of a community's admin."""

    text = State()  # a new name, description or area
    reason = State()  # why a submission is rejected
    point = State()  # the centre of the community's area, shared


def rights_from(member: ChatMemberUnion) -> ChatRights:
    """What a ChatMember says about managing the chat."""
    if isinstance(member, ChatMemberOwner):
        return ChatRights("creator", True, True)
    if isinstance(member, ChatMemberAdministrator):
        return ChatRights(
            "administrator",
            can_change_info=member.can_change_info,
            can_post_messages=bool(member.can_post_messages),
        )
    if isinstance(member, ChatMemberRestricted) and not member.is_member:
        return ChatRights("left")  # restricted, and no longer in the chat
    return ChatRights(member.status)


async def rights_of(bot: Bot, chat_id: int, user_id: int) -> ChatRights:
    """Ask Telegram now; a chat the bot cannot see any more means no rights."""
    try:
        return rights_from(await bot.get_chat_member(chat_id, user_id))
    except TelegramAPIError:
        return ChatRights("left")


async def admin_community(
    bot: Bot, session: AsyncSession, community_id: int, user_id: int
) -> Community:
    """The community, if Telegram says this person may run it now; NotAnAdmin otherwise."""
    community = await communities.community(session, community_id)
    rights = await rights_of(bot, community.chat_id, user_id)
    if not communities.may_manage(community.kind, rights):
        await communities.forget_admin(session, community, user_id)
        raise NotAnAdmin()
    return community


async def _refresh_admins(bot: Bot, session: AsyncSession, community: Community) -> None:
    """Remember the chat's current admins (to tell them about submissions); cosmetic."""
    with suppress(TelegramAPIError):
        admins = await bot.get_chat_administrators(community.chat_id)
        ids = [
            a.user.id
            for a in admins
            if not a.user.is_bot and communities.may_manage(community.kind, rights_from(a))
        ]
        await communities.set_admins(session, community, ids)


# --- the bot in a chat -------------------------------------------------------------------


async def on_bot_membership(
    event: ChatMemberUpdated, bot: Bot, session: AsyncSession, _: Translator
) -> None:
    """The bot was added to, promoted or demoted in, or removed from a group or channel."""
    chat, new = event.chat, event.new_chat_member
    now = utcnow()
    existing = await communities.community_of_chat(session, chat.id)
    was_active = existing is not None and existing.status == CommunityStatus.ACTIVE
    if new.status in ("left", "kicked"):
        paused = await communities.unlink_chat(session, chat.id, now)
        if paused is not None and was_active:
            await communities.tell_admins_paused(session, paused, now)
        return
    can_post = communities.bot_may_post(chat.type, rights_from(new))
    adder = event.from_user.id if not event.from_user.is_bot else None
    community = await communities.link_chat(
        session,
        chat_id=chat.id,
        kind=chat.type,
        title=chat.title or "",
        by=adder
        if adder is not None and await _may_manage(bot, chat.id, chat.type, adder)
        else None,
        can_post=can_post,
        now=now,
    )
    await _refresh_admins(bot, session, community)
    if was_active and not can_post:
        await communities.tell_admins_paused(session, community, now)
    if existing is None and can_post and not is_channel(community):
        me = await bot.me()
        text, markup = welcome_screen(community, me.username or "", _)
        with suppress(TelegramAPIError):
            await bot.send_message(chat.id, text, reply_markup=markup)


async def _may_manage(bot: Bot, chat_id: int, kind: str, user_id: int) -> bool:
    return communities.may_manage(kind, await rights_of(bot, chat_id, user_id))


async def on_member_change(event: ChatMemberUpdated, session: AsyncSession) -> None:
    """Someone's rights in a linked chat changed: remember or forget them as an admin."""
    community = await communities.community_of_chat(session, event.chat.id)
    if community is None or event.new_chat_member.user.is_bot:
        return
    user_id = event.new_chat_member.user.id
    rights = rights_from(event.new_chat_member)
    if communities.may_manage(community.kind, rights):
        await communities.add_admins(session, community, [user_id])
    else:
        await communities.forget_admin(session, community, user_id)
    if not communities.is_member(rights):
        await communities.member_left(session, community, user_id, utcnow())


async def on_migrated(message: Message, session: AsyncSession) -> None:
    """A group became a supergroup: its community follows the new chat id."""
    if message.migrate_to_chat_id is not None:
        await communities.move_chat(session, message.chat.id, message.migrate_to_chat_id)


async def on_group_find(message: Message, bot: Bot, session: AsyncSession, _: Translator) -> None:
    """/find in a group: one button that opens the community's catalogue in private (no
    result lists in the group)."""
    community = await communities.community_of_chat(session, message.chat.id)
    me = await bot.me()
    if community is not None and community.status == CommunityStatus.ACTIVE:
        url = start_link(me.username or "", CatalogueLink(community.slug))
        text = _("community.find_here", name=community.name)
    else:
        url, text = f"https://t.me/{me.username}", _("community.find_anywhere")
    with suppress(TelegramAPIError):
        await message.answer(text, reply_markup=catalogue_button(url, _))


# --- admins, in private --------------------------------------------------------------------


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
    if not await _may_manage(bot, chat.id, chat.type, user.id):
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
    await _refresh_admins(bot, session, community)
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


async def on_offer_here(
    query: CallbackQuery,
    callback_data: OfferHere,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """A provider's offers, to submit to the community whose catalogue they opened."""
    community = await communities.community(session, callback_data.community_id)
    items = [o for o in await offers.my_offers(session, user) if o.status == OfferStatus.PUBLISHED]
    listings = await communities.listings_in(session, community.id, [o.id for o in items])
    await show(query, *offer_here_screen(community, items, listings, callback_data.page, _))


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


# --- providers -------------------------------------------------------------------------------


async def _offer_screen(
    session: AsyncSession, user: User, offer_id: int, page: int, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    offer = await offers.owned_offer(session, user, offer_id)
    items = await communities.open_to(session, offer)
    listings = await communities.listings_of_offer(session, offer.id)
    return offer_communities_screen(
        offer, items, listings, page, _, back=OpenOffer(offer_id=offer.id)
    )


async def on_offer_communities(
    query: CallbackQuery,
    callback_data: OfferCommunities,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """My offers → an offer → Communities."""
    await show(
        query, *await _offer_screen(session, user, callback_data.offer_id, callback_data.page, _)
    )


async def on_submit(
    query: CallbackQuery,
    callback_data: Submit,
    callback_answer: CallbackAnswer,
    bot: Bot,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Submit the offer to a community; the admins are told."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    chat = await communities.asks_membership(session, callback_data.community_id)
    standing = await rights_of(bot, chat, user.id) if chat is not None else None
    listing = await communities.submit(
        session, offer, user, callback_data.community_id, utcnow(), standing=standing
    )
    callback_answer.text = _.text(f"community.submitted.{listing.status}")
    callback_answer.show_alert = True
    await show(query, *await _offer_screen(session, user, offer.id, 0, _))


def build_router() -> Router:
    """Communities: the bot's membership in chats, admins' set-up and queue, submissions."""
    router = Router(name="communities")
    router.my_chat_member.register(on_bot_membership, GroupOrChannel())
    router.chat_member.register(on_member_change, GroupOrChannel())
    router.message.register(on_migrated, GroupMigrated(), GroupOrChannel())
    router.message.register(on_group_find, GroupOrChannel(), Command("find"))
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
    on_press(on_offer_here, OfferHere.filter())
    on_press(on_remove, RemoveListing.filter())
    on_press(on_offer_communities, OfferCommunities.filter())
    on_press(on_submit, Submit.filter())
    return router
