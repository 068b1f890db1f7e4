"""Conversation handlers, one Router per feature, built fresh for each dispatcher."""

from aiogram import Router

from bot.callbacks import skip_other_presses
from handlers import (
    admin,
    booking,
    calendar_feed,
    communities,
    community_chats,
    community_submissions,
    customer_rules,
    errors,
    fallback,
    inline,
    membership,
    my_offers,
    offer_draft,
    offer_photos,
    offer_rules,
    packages,
    payments,
    privacy,
    profile,
    reports,
    reviews,
    search,
    series,
    settings,
    start,
    stats_me,
    waitlist,
    week,
)


def build_router() -> Router:
    """All feature routers in the order they are tried; the fallback comes last.

    Every handler answers its own command, button prefix or dialogue state, so the order
    of the features decides no answer; it decides how many routers an update passes
    before its own. The customer's path (search, then booking) comes right after /start:
    it carries most updates, and each router passed costs about as much as a small query.
    """
    root = Router(name="gigbot")
    features = (
        errors.build_router(),
        membership.build_router(),
        payments.build_router(),  # a payment is taken in any dialogue, before any answer
        start.build_router(),
        search.build_router(),
        booking.build_router(),
        waitlist.build_router(),
        series.build_router(),
        week.build_router(),
        settings.build_router(),
        calendar_feed.build_router(),
        offer_draft.build_router(),
        offer_rules.build_router(),
        packages.build_router(),
        offer_photos.build_router(),
        my_offers.build_router(),
        profile.build_router(),
        stats_me.build_router(),
        customer_rules.build_router(),
        reviews.build_router(),
        reports.build_router(),
        admin.build_router(),
        communities.build_router(),
        community_submissions.build_router(),
        community_chats.build_router(),
        privacy.build_router(),
        inline.build_router(),
        fallback.build_router(),
    )
    for feature in features:
        skip_other_presses(feature)
    root.include_routers(*features)
    return root
