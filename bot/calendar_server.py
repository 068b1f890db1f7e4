"""The calendar feeds' route on the bot's web server: GET /calendar/<secret>.ics."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import utcnow
from services.calendar_feed import feed_ics

log = logging.getLogger(__name__)

FEED_PATH = "/calendar/{secret}.ics"


def add_calendar_routes(
    web_app: web.Application, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Serve each user's feed to whoever holds its secret: 404 for any other path (the
    same answer for a malformed, an old and a never-made secret), 503 in one line when
    the database cannot be read. The secret is never logged (the server keeps no access
    log)."""

    async def feed(request: web.Request) -> web.Response:
        try:
            async with sessionmaker() as session:
                body = await feed_ics(session, request.match_info["secret"], now=utcnow())
        except (SQLAlchemyError, OSError) as error:
            log.warning("calendar feed unavailable (%s)", type(error).__name__)
            return web.Response(status=503, text="try again later\n")
        if body is None:
            return web.Response(status=404, text="no such calendar\n")
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={"Cache-Control": "private, max-age=300"},
        )

    web_app.router.add_get(FEED_PATH, feed)
