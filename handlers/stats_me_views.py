"""/stats_me's screens: the summary, the period buttons, and the chart — bookings per
week (completed, missed, cancelled), customers per week (new, returning), and the rating
as it stood — on matplotlib's Agg canvas, no pyplot (no global state; safe to draw in a
worker thread), imported on first use."""

from __future__ import annotations

import io
from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_date
from babel.numbers import format_decimal

from bot.callbacks import Callback
from bot.i18n import Translator
from handlers.offer_views import format_price
from services.provider_stats import PERIODS, ProviderStats

WIDTH, HEIGHT, DPI = 1080, 1500, 100
COMPLETED, NO_SHOW, CANCELLED = "#2e9e5b", "#e0a800", "#c0392b"
NEW, RETURNING, RATING = "#266ec8", "#8fb4e3", "#6f42c1"


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The chart's words, in the provider's language."""

    title: str
    bookings: str
    completed: str
    no_show: str
    cancelled: str
    customers: str
    new: str
    returning: str
    rating: str
    weeks: tuple[str, ...]  # each week's label ("30 Nov")


def stats_png(stats: ProviderStats, labels: ChartLabels) -> bytes:
    """Three panels, one bar (or point) per week, as a PNG of WIDTH × HEIGHT pixels."""
    # Imported on the first chart: matplotlib takes about half a second and 40 MB, which
    # a bot whose providers never ask for a chart need not pay at start.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(labels.title, fontsize=22, fontweight="bold")
    bookings, customers, rating = figure.subplots(
        3, 1, sharex=True, gridspec_kw={"height_ratios": [3, 3, 2]}
    )
    weeks = stats.weeks
    x = list(range(len(weeks)))
    completed = [w.completed for w in weeks]
    missed = [w.no_show for w in weeks]
    cancelled = [w.cancelled for w in weeks]
    bookings.bar(x, completed, color=COMPLETED, label=labels.completed)
    bookings.bar(x, missed, bottom=completed, color=NO_SHOW, label=labels.no_show)
    stacked = [a + b for a, b in zip(completed, missed, strict=True)]
    bookings.bar(x, cancelled, bottom=stacked, color=CANCELLED, label=labels.cancelled)
    bookings.set_title(labels.bookings, fontsize=17, loc="left")
    new = [w.new_customers for w in weeks]
    customers.bar(x, new, color=NEW, label=labels.new)
    customers.bar(
        x,
        [w.returning_customers for w in weeks],
        bottom=new,
        color=RETURNING,
        label=labels.returning,
    )
    customers.set_title(labels.customers, fontsize=17, loc="left")
    for panel in (bookings, customers):
        panel.legend(loc="upper left", fontsize=13, frameon=False)
        panel.yaxis.get_major_locator().set_params(integer=True)
        panel.margins(y=0.25)
    rated = [(i, w.rating) for i, w in zip(x, weeks, strict=True) if w.rating is not None]
    if rated:
        rating.plot(
            [i for i, _ in rated], [r for _, r in rated], color=RATING, marker="o", linewidth=2.5
        )
    rating.set_ylim(0.8, 5.2)
    rating.set_yticks([1, 2, 3, 4, 5])
    rating.set_title(labels.rating, fontsize=17, loc="left")
    step = max(1, len(weeks) // 8)  # at most about eight dates under the bars
    rating.set_xticks(x[::step], [labels.weeks[i] for i in x[::step]])
    for panel in (bookings, customers, rating):
        panel.tick_params(labelsize=13)
        panel.grid(axis="y", alpha=0.3)
        panel.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


class StatsPeriod(Callback, prefix="st-me"):
    """The stats over `weeks` weeks (one of PERIODS)."""

    weeks: int


def summary(stats: ProviderStats, weeks: int, _: Translator) -> str:
    """The numbers of the chart in a few lines."""
    income = " · ".join(format_price(minor, code, _) for code, minor in stats.income.items())
    latest = stats.weeks[-1]
    rating = (
        _.text(
            "stats_me.rating_value",
            rating=format_decimal(round(latest.rating, 1), locale=_.locale),
            count=latest.reviews,
        )
        if latest.rating is not None
        else _.text("stats_me.no_rating")
    )
    return _(
        "stats_me.summary",
        weeks=weeks,
        completed=stats.completed,
        no_show=stats.no_show,
        cancelled=stats.cancelled,
        income=income or "—",
        customers=stats.customers,
        new=stats.new_customers,
        rating=rating,
    )


def chart_labels(stats: ProviderStats, weeks: int, _: Translator) -> ChartLabels:
    """The chart's words in the reader's language."""
    return ChartLabels(
        title=_.text("stats_me.title", weeks=weeks),
        bookings=_.text("stats_me.bookings"),
        completed=_.text("stats_me.completed"),
        no_show=_.text("stats_me.no_show"),
        cancelled=_.text("stats_me.cancelled"),
        customers=_.text("stats_me.customers"),
        new=_.text("stats_me.new"),
        returning=_.text("stats_me.returning"),
        rating=_.text("stats_me.rating"),
        weeks=tuple(format_date(w.monday, "d MMM", locale=_.locale) for w in stats.weeks),
    )


def periods_keyboard(current: int, _: Translator) -> InlineKeyboardMarkup:
    """4 / 12 / 52 weeks, the one shown marked."""
    buttons = [
        InlineKeyboardButton(
            text=("✓ " if weeks == current else "") + _.text("stats_me.period", weeks=weeks),
            callback_data=StatsPeriod(weeks=weeks).pack(),
        )
        for weeks in PERIODS
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])
