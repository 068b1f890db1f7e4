"""The provider's week as a picture, and its buttons: a column per day, open hours in
green, bookings in blue (with the seats taken of a group session), time off hatched
grey — sized for a phone screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated

from aiogram.types import InlineKeyboardButton
from babel.dates import format_date
from PIL import Image, ImageDraw
from pydantic import Field

from bot.callbacks import Callback
from bot.i18n import Translator
from handlers.picture_views import ACCENT, INK, MUTED, PAPER, centred, fit, font, png, wrap
from services.week_view import DAYS, MAX_WEEKS_AHEAD, BlockKind, TimeBlock, Week

WIDTH, HEIGHT = 1080, 1620
GUTTER = 96  # the hour labels
TOP, BOTTOM = 200, 110  # the title and day names; the legend
OPEN = (212, 240, 218)
OFF = (214, 218, 223)
GRID = (233, 236, 239)


@dataclass(frozen=True, slots=True)
class WeekLabels:
    """The picture's words, in the provider's language (computed by the handler)."""

    title: str  # "Week of 30 Nov – 6 Dec"
    zone: str  # "Europe/Berlin"
    days: tuple[tuple[str, str], ...]  # ("Mon", "30") per day
    open: str
    booked: str
    off: str


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a day and a minute fall on the picture."""

    first_hour: int
    last_hour: int

    @classmethod
    def of(cls, week: Week) -> Layout:
        """The hours shown: 08–20, widened to every block (a whole day off does not
        widen it)."""
        shown = [b for b in week.blocks if not (b.kind == BlockKind.OFF and _whole_day(b))]
        first = min([8 * 60, *(b.start_min for b in shown)]) // 60
        last = -(-max([20 * 60, *(b.end_min for b in shown)]) // 60)
        return cls(first, min(last, 24))

    @property
    def column(self) -> float:
        """A day's width."""
        return (WIDTH - GUTTER - 16) / DAYS

    def x(self, day: int) -> float:
        """The left edge of a day's column."""
        return GUTTER + day * self.column

    def y(self, minute: int) -> float:
        """The height of a minute of the day (clamped to the hours shown)."""
        shown = min(max(minute, self.first_hour * 60), self.last_hour * 60)
        per_minute = (HEIGHT - TOP - BOTTOM) / ((self.last_hour - self.first_hour) * 60)
        return TOP + (shown - self.first_hour * 60) * per_minute


def week_png(week: Week, labels: WeekLabels) -> bytes:
    """The week as a PNG of WIDTH × HEIGHT pixels."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    title = font(46, bold=True)
    centred(draw, 24, fit(labels.title, title, WIDTH - 40), title, WIDTH, INK)
    centred(draw, 84, labels.zone, font(28), WIDTH, MUTED)
    layout = Layout.of(week)
    column = layout.column
    for index, (name, number) in enumerate(labels.days):
        left = layout.x(index)
        for text, top, face in ((name, 128, font(26)), (number, 158, font(30, bold=True))):
            draw.text((left + (column - face.getlength(text)) / 2, top), text, font=face, fill=INK)
    for hour in range(layout.first_hour, layout.last_hour + 1):
        line = layout.y(hour * 60)
        draw.line((GUTTER, line, WIDTH - 16, line), fill=GRID, width=2)
        draw.text((12, line - 14), f"{hour:02d}:00", font=font(24), fill=MUTED)
    order = {BlockKind.OPEN: 0, BlockKind.OFF: 1, BlockKind.BOOKED: 2}
    for block in sorted(week.blocks, key=lambda b: order[b.kind]):
        left = layout.x(block.day) + 4
        box = (left, layout.y(block.start_min), left + column - 8, layout.y(block.end_min))
        if box[3] - box[1] >= 1:
            _draw_block(draw, block, box)
    _legend(draw, labels)
    return png(image)


def _whole_day(block: TimeBlock) -> bool:
    return block.end_min - block.start_min >= 24 * 60


def _draw_block(
    draw: ImageDraw.ImageDraw, block: TimeBlock, box: tuple[float, float, float, float]
) -> None:
    left, top, right, bottom = box
    if block.kind == BlockKind.OPEN:
        draw.rectangle(box, fill=OPEN)
        return
    if block.kind == BlockKind.OFF:
        draw.rectangle(box, fill=OFF)
        step = 18
        for x in range(int(left) - int(bottom - top), int(right), step):  # hatching
            draw.line(
                (
                    max(x, left),
                    top + max(left - x, 0),
                    min(x + (bottom - top), right),
                    top + min(right - x, bottom - top),
                ),
                fill=PAPER,
                width=3,
            )
        return
    draw.rounded_rectangle(box, radius=8, fill=ACCENT)
    width, height = right - left - 12, bottom - top - 8
    face = font(20, bold=True)
    lines = wrap(block.title, face, width, max(int(height // 24) - (1 if block.seats else 0), 0))
    if block.seats and height >= 24:
        lines.append(f"{block.seats[0]}/{block.seats[1]}")
    for number, line in enumerate(lines):
        draw.text((left + 6, top + 4 + number * 24), line, font=face, fill=PAPER)


def _legend(draw: ImageDraw.ImageDraw, labels: WeekLabels) -> None:
    face = font(28)
    x = 40.0
    top = HEIGHT - BOTTOM + 40
    for colour, text in ((OPEN, labels.open), (ACCENT, labels.booked), (OFF, labels.off)):
        draw.rectangle((x, top, x + 36, top + 36), fill=colour)
        draw.text((x + 48, top), text, font=face, fill=INK)
        x += 48 + face.getlength(text) + 56


class WeekPicture(Callback, prefix="wk"):
    """The week picture, `week` weeks from today."""

    week: Annotated[int, Field(ge=0, le=MAX_WEEKS_AHEAD)] = 0


def week_button(_: Translator) -> InlineKeyboardButton:
    """The agenda's button to this week's picture."""
    return InlineKeyboardButton(text=_.text("week.button"), callback_data=WeekPicture().pack())


def week_labels(first: date, zone: str, _: Translator) -> WeekLabels:
    """The picture's words in the reader's language."""
    last = first + timedelta(days=DAYS - 1)
    days = tuple(
        (format_date(day, "EEE", locale=_.locale), str(day.day))
        for day in (first + timedelta(days=n) for n in range(DAYS))
    )
    span = " – ".join(format_date(day, "d MMM", locale=_.locale) for day in (first, last))
    return WeekLabels(
        title=_.text("week.title", span=span),
        zone=zone,
        days=days,
        open=_.text("week.open"),
        booked=_.text("week.booked"),
        off=_.text("week.off"),
    )


def week_page_button(text: str, week: int) -> InlineKeyboardButton:
    """A button to the picture of another week."""
    return InlineKeyboardButton(text=text, callback_data=WeekPicture(week=week).pack())
