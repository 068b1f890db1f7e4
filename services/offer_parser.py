"""Reads an offer from one free-form message in English, Russian or Spanish.

`parse_offer("Dog walking in Prenzlauer Berg, 45 min, 15 EUR, weekdays 8-12 and 17-20")`
gives a draft with title, category, duration, price and currency, weekly hours, capacity
and place; whatever it cannot read stays None and is asked for afterwards, one question
at a time (`OfferDraft.missing`). Problems it can name (hours that end before they
start) are reported in `problems` rather than guessed away.

Money uses Babel's currency data (ISO 4217 codes and each currency's minor units). The
phrase rules are our own: no maintained library reads informal schedules such as
"пн-пт 10-19" or "sábados 10-14" in these three languages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision, list_currencies

CATEGORIES = (
    "home",
    "repairs",
    "beauty",
    "wellness",
    "lessons",
    "tours",
    "pets",
    "events",
    "other",
)
NO_CURRENCY = "XXX"  # ISO 4217 "no currency": free offers

Span = tuple[int, int]
Free = Callable[[Span], bool]  # "is this stretch of text still unclaimed?"


@dataclass
class OfferDraft:
    """What a message said about an offer; None where it said nothing readable."""

    title: str | None = None
    category: str | None = None
    duration_min: int | None = None
    price_minor: int | None = None
    currency: str | None = None
    weekly: list[tuple[int, int, int]] | None = None  # (weekday, start_min, end_min)
    capacity: int | None = None
    place_kind: str | None = None  # area, customer (at the customer's), online
    area: str | None = None
    timezone: str | None = None  # the IANA zone the weekly hours are in
    problems: list[str] = field(default_factory=list)

    def missing(self) -> list[str]:
        """Fields still to ask for, in the order the questions come."""
        checks = [
            ("title", self.title is None),
            ("category", self.category is None),
            ("duration", self.duration_min is None),
            ("price", self.price_minor is None or self.currency is None),
            ("hours", not self.weekly),
            ("place", self.place_kind is None),
        ]
        return [name for name, absent in checks if absent]


# --- money ---------------------------------------------------------------------------

_CURRENCY_WORDS: dict[str, str] = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "евро": "EUR",
    "$": "USD",
    "usd": "USD",
    "us$": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "доллар": "USD",
    "долларов": "USD",
    "доллара": "USD",
    "dólar": "USD",
    "dólares": "USD",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "фунт": "GBP",
    "фунтов": "GBP",
    "₽": "RUB",
    "руб": "RUB",
    "руб.": "RUB",
    "рубль": "RUB",
    "рублей": "RUB",
    "рубля": "RUB",
    "р": "RUB",
    "р.": "RUB",
    "rub": "RUB",
    "₴": "UAH",
    "грн": "UAH",
    "грн.": "UAH",
    "гривен": "UAH",
    "гривна": "UAH",
    "гривны": "UAH",
    "₸": "KZT",
    "тг": "KZT",
    "тенге": "KZT",
    "zł": "PLN",
    "zl": "PLN",
    "злотых": "PLN",
    "₹": "INR",
    "rupees": "INR",
    "рупий": "INR",
    "₺": "TRY",
    "lira": "TRY",
    "лир": "TRY",
    "₾": "GEL",
    "лари": "GEL",
    "soles": "PEN",
    "sol": "PEN",
    "pesos": "",  # several countries' pesos: ask which
    "peso": "",
}
_SYMBOLS = "€$£₽₴₸₹₺₾"
# Thousands grouped by a space, comma or dot ("1 500", "99,999,999", "10.000"): three
# digits after a separator are a group, since no price has three decimals.
_NUMBER = r"\d{1,3}(?:[ \u00a0,.]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_GROUPED = re.compile(r"(?P<whole>\d{1,3}(?:[ \u00a0,.]\d{3})+)(?:[.,](?P<cents>\d{1,2}))?")
_WORDS = "|".join(
    sorted((re.escape(w) for w in _CURRENCY_WORDS if w[0] not in _SYMBOLS), key=len, reverse=True)
)
_ISO_CODES = "|".join(sorted(list_currencies()))
# An amount glued to a word is not a price: in "1h30 $25" the 30 belongs to the duration.
_PRICE_AFTER = re.compile(
    rf"(?<![\w.,])(?P<amount>{_NUMBER})\s*(?P<currency>[{_SYMBOLS}]|(?:{_WORDS}|{_ISO_CODES})(?![\w]))"
    r"(?:\s*(?:/|per|за|por)\s*\w+)?",
    re.IGNORECASE,
)
_PRICE_BEFORE = re.compile(
    rf"(?P<currency>[{_SYMBOLS}]|\b(?:{_ISO_CODES})\b)\s*(?P<amount>{_NUMBER})"
    r"(?:\s*(?:/|per|за|por)\s*\w+)?",
    re.IGNORECASE,
)
# A minus sign glued to the price ("1h -5 EUR", "-€5"); not a range ("10-15 EUR") nor a
# dash between parts of the message ("1.5h - 30 GBP").
_MINUS_BEFORE = re.compile(rf"(?:^|\s)[-−](?:[{_SYMBOLS}]\s*)?$")
_FREE = re.compile(r"\b(?:free|for free|бесплатно|gratis|gratuit[oa]s?)\b", re.IGNORECASE)


def _currency_code(token: str) -> str | None:
    word = token.lower()
    if word in _CURRENCY_WORDS:
        return _CURRENCY_WORDS[word] or None
    upper = token.upper()
    return upper if upper in list_currencies() else None


def to_minor(amount: Decimal, currency: str) -> int:
    """The amount in the currency's minor units (cents, kopecks; yen have none)."""
    digits = 0 if currency == NO_CURRENCY else get_currency_precision(currency)
    return int((amount * (10**digits)).to_integral_value())


def parse_amount(text: str) -> Decimal | None:
    """A typed amount ("10", "12.50", "1 200,00"), or None."""
    amount = _amount(text.strip())
    return amount if amount is not None and amount.is_finite() else None


def _amount(text: str) -> Decimal | None:
    grouped = _GROUPED.fullmatch(text)
    if grouped is not None:
        whole = re.sub(r"\D", "", grouped.group("whole"))
        return Decimal(f"{whole}.{grouped.group('cents') or 0}")
    compact = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        return Decimal(compact)
    except InvalidOperation:
        return None


# --- durations -----------------------------------------------------------------------

_HOUR_WORDS = r"h|hr|hrs|hour|hours|ч|час|часа|часов|hora|horas"
_MIN_WORDS = r"min|mins|minute|minutes|мин|минут|минуты|минута|minuto|minutos"
# "1h30" (minutes glued on) or "1 h 30 min" (minutes named); "1h 20€" is an hour.
_DURATION = re.compile(
    rf"(?P<hours>\d+(?:[.,]\d+)?)\s*(?:{_HOUR_WORDS})(?![a-zа-яё])\.?"
    rf"(?:(?P<glued>\d{{2}})(?![\w:])"
    rf"|\s*(?:and\s+|и\s+|y\s+)?(?P<named>\d{{1,2}})\s*(?:{_MIN_WORDS})(?![a-zа-яё]))?"
    rf"|(?P<minutes>\d+)\s*(?:{_MIN_WORDS})(?![a-zа-яё])\.?",
    re.IGNORECASE,
)
_DURATION_WORDS = {
    r"half an hour|полчаса|media hora": 30,
    r"an hour and a half|hour and a half|полтора часа|hora y media": 90,
    r"an hour|one hour|один час|una hora": 60,
    r"two hours|два часа|dos horas": 120,
}


# --- weekdays and hours --------------------------------------------------------------

_DAY_NAMES: list[tuple[str, tuple[int, ...]]] = [
    (r"weekdays?|будн\w*|entre semana", (0, 1, 2, 3, 4)),
    (r"weekends?|выходн\w*|fin(?:es)? de semana", (5, 6)),
    (
        r"daily|every\s?day|ежедневно|каждый день|без выходных|todos los d[ií]as|a diario|diario",
        (0, 1, 2, 3, 4, 5, 6),
    ),
    (r"mondays?|mon|понедельн\w*|пн|lunes|lun", (0,)),
    (r"tuesdays?|tues?|вторн\w*|вт|martes", (1,)),
    (r"wednesdays?|wed|сред[аыуе]\w*|ср|mi[ée]rcoles|mi[ée]", (2,)),
    (r"thursdays?|thu(?:rs?)?|четверг\w*|чт|jueves|jue", (3,)),
    (r"fridays?|fri|пятниц\w*|пт|viernes|vie", (4,)),
    (r"saturdays?|sat|суббот\w*|сб|s[áa]bados?|s[áa]b", (5,)),
    (r"sundays?|sun|воскресен\w*|вс|domingos?|dom", (6,)),
]
_DAY_TOKEN = "|".join(f"(?:{pattern})" for pattern, _ in _DAY_NAMES)
_DAY_RE = re.compile(rf"(?<![\w])(?:{_DAY_TOKEN})(?![\w])", re.IGNORECASE)
# "mar" is Tuesday in Spanish only inside a range ("lun-mar"); alone it is the sea.
_DAY_RANGE = re.compile(
    rf"(?:\b(?:from|с|со|de)\s+)?(?P<first>(?<![\w])(?:{_DAY_TOKEN}|mar)(?![\w]))\s*"
    rf"(?:-|–|—|to|through|till|until|по|до|a|al|hasta)\s*"
    rf"(?P<last>(?<![\w])(?:{_DAY_TOKEN}|mar)(?![\w]))",
    re.IGNORECASE,
)
_CLOCK = r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?"
_TIME_RANGE = re.compile(
    rf"(?:\b(?:from|с|de|desde)\s+)?(?<![\d.,:]){_CLOCK}\s*"
    rf"(?:-|–|—|to|till|until|до|a|hasta)\s*{_CLOCK}(?![\d%])",
    re.IGNORECASE,
)


def _weekdays(token: str) -> tuple[int, ...]:
    if token.lower() == "mar":
        return (1,)
    for pattern, days in _DAY_NAMES:
        if re.fullmatch(pattern, token, re.IGNORECASE):
            return days
    return ()


def _clock_minutes(hour: str, minute: str | None, suffix: str | None) -> int:
    value = int(hour) * 60 + int(minute or 0)
    if suffix and suffix.lower().startswith("p") and int(hour) < 12:
        value += 12 * 60
    if suffix and suffix.lower().startswith("a") and int(hour) == 12:
        value -= 12 * 60
    return value


# --- capacity, place, category -------------------------------------------------------

_PEOPLE = (
    r"people|persons|person|students|kids|children|dogs|guests|participants|"
    r"человек|чел\.?|учеников|детей|мест|места|собак|"
    r"personas|alumnos|niños|plazas|perros|participantes"
)
_CAPACITY = re.compile(
    rf"\b(?:groups?\s+of|up\s+to|max(?:imum)?\.?|группы?\s+(?:до|по)|групп\w*\s+до|до|"
    rf"grupos?\s+de|hasta|m[áa]x(?:imo)?\.?)\s*(?P<n>\d{{1,3}})(?:\s*(?:{_PEOPLE}))?"
    rf"|(?P<m>\d{{1,3}})\s*(?:{_PEOPLE})(?![\w])",
    re.IGNORECASE,
)
_PRIVATE = re.compile(
    r"\b(?:private|individual(?:es|ly)?|one[- ]on[- ]one|1[:-]1|индивидуальн\w*)\b",
    re.IGNORECASE,
)
_ONLINE = re.compile(
    r"\b(?:online|on-line|remote|zoom|skype|онлайн|по видео|en l[íi]nea|"
    r"virtual(?:es)?|a distancia)\b",
    re.IGNORECASE,
)
_AT_CUSTOMER = re.compile(
    r"\b(?:at your (?:home|place)|i come to you|house calls?|на дому|с выездом|выезд\w*|"
    r"a domicilio|voy a tu casa)\b",
    re.IGNORECASE,
)
_AREA = re.compile(
    r"(?<![\w])(?:in|near|around|at|в|во|на|около|рядом с|en|cerca de)\s+"
    r"(?P<area>(?!(?:groups?|grupos?|группах?|the morning|the evening)\b)[^\d,.;\n()]{2,60})",
    re.IGNORECASE,
)
_CATEGORY_WORDS: list[tuple[str, str]] = [
    (
        "pets",
        r"dog|pupp|cat\b|cats|pet|собак|щен|кош|кот\b|выгул|питом|груминг|perr|gat[oa]|"
        r"mascota|paseo de perros|grooming",
    ),
    (
        "beauty",
        r"hair|barber|manicure|pedicure|nails|makeup|brows|lashes|стриж|парикмах|барбер|"
        r"маникюр|педикюр|ногт|макияж|бров|ресниц|peluquer|corte de pelo|manicura|uñas|"
        r"maquillaje|barber[íi]a|cejas",
    ),
    (
        "wellness",
        r"massage|yoga|pilates|fitness|personal train|meditation|массаж|йог|пилатес|"
        r"фитнес|трениров|медитац|masaje|entrenador|meditaci",
    ),
    (
        "tours",
        r"tour|guide|excursion|sightseeing|экскурс|гид|тур\b|excursi|gu[íi]a|"
        r"visita guiada",
    ),
    (
        "lessons",
        r"lesson|class|tutor|teach|course|guitar|piano|english|math|language|урок|"
        r"занят|репетит|\bкурс|обучен|программир|coding|programming|programaci|гитар|фортепиан|английск|математ|clases?|profesor|"
        r"lecci|guitarra|ingl[ée]s|matem[áa]ticas|curso",
    ),
    (
        "home",
        r"clean|housekeep|ironing|garden|babysit|nanny|уборк|клининг|глажк|сад|нян|"
        r"limpieza|plancha|jard[íi]n|niñera|canguro",
    ),
    (
        "repairs",
        r"repair|plumb|electric|handyman|fix|install|ремонт|сантех|электрик|"
        r"мастер на час|установк|reparaci|fontaner|electricista|manitas|arreglo",
    ),
    (
        "events",
        r"photo|dj\b|party|wedding|catering|event|фото|праздн|свадь|ведущ|кейтеринг|"
        r"fot[óo]graf|fiesta|boda|evento",
    ),
]


def guess_category(text: str) -> str | None:
    """The category whose words appear in `text` first in our list, or None."""
    lowered = text.lower()
    for category, words in _CATEGORY_WORDS:
        if re.search(words, lowered):
            return category
    return None


# --- the parser ----------------------------------------------------------------------


def parse_offer(text: str) -> OfferDraft:
    """Read an offer from `text`; never raises on any input."""
    text = text[:2000]
    draft = OfferDraft()
    taken: list[Span] = []

    def free(span: Span) -> bool:
        return all(span[1] <= a or span[0] >= b for a, b in taken)

    _read_price(text, draft, taken, free)
    _read_duration(text, draft, taken, free)
    _read_capacity(text, draft, taken, free)
    _read_schedule(text, draft, taken, free)
    _read_place(text, draft, taken, free)
    _read_title(text, draft, taken)
    source = draft.title or text
    draft.category = guess_category(source) or guess_category(text)
    return draft


def _read_price(text: str, draft: OfferDraft, taken: list[Span], free: Free) -> None:
    for pattern in (_PRICE_AFTER, _PRICE_BEFORE):
        for match in pattern.finditer(text):
            if not free(match.span()):
                continue
            amount = _amount(match.group("amount"))
            if amount is None:
                continue
            if _MINUS_BEFORE.search(text[: match.start()]):
                amount = -amount  # read as written; the offer rules refuse it, and say why
            taken.append(match.span())
            draft.currency = _currency_code(match.group("currency"))
            draft.price_minor = to_minor(amount, draft.currency or "EUR")
            return
    gratis = _FREE.search(text)
    if gratis:
        taken.append(gratis.span())
        draft.price_minor, draft.currency = 0, NO_CURRENCY


def _read_duration(text: str, draft: OfferDraft, taken: list[Span], free: Free) -> None:
    for match in _DURATION.finditer(text):
        if not free(match.span()):
            continue
        if match.group("minutes"):
            minutes = int(match.group("minutes"))
        else:
            hours = Decimal(match.group("hours").replace(",", "."))
            extra = match.group("glued") or match.group("named") or 0
            minutes = int(hours * 60) + int(extra)
        taken.append(match.span())
        draft.duration_min = minutes
        return
    for pattern, minutes in _DURATION_WORDS.items():
        word = re.search(rf"\b(?:{pattern})\b", text, re.IGNORECASE)
        if word and free(word.span()):
            taken.append(word.span())
            draft.duration_min = minutes
            return


def _read_capacity(text: str, draft: OfferDraft, taken: list[Span], free: Free) -> None:
    for match in _CAPACITY.finditer(text):
        if not free(match.span()):
            continue
        number = match.group("n") or match.group("m")
        # "до 19" is a time, not a group: a bare "до"/"hasta" needs people after it.
        bare = match.group("n") and re.match(r"(?i)(до|hasta)\b", match.group(0))
        if bare and not re.search(rf"(?:{_PEOPLE})\s*$", match.group(0), re.IGNORECASE):
            continue
        taken.append(match.span())
        draft.capacity = int(number)
        return
    private = _PRIVATE.search(text)
    if private:
        taken.append(private.span())
        draft.capacity = 1


def _read_schedule(text: str, draft: OfferDraft, taken: list[Span], free: Free) -> None:
    events: list[tuple[int, str, object]] = []
    for match in _DAY_RANGE.finditer(text):
        if not free(match.span()):
            continue
        first, last = _weekdays(match.group("first")), _weekdays(match.group("last"))
        if len(first) != 1 or len(last) != 1:
            continue
        days = tuple((first[0] + n) % 7 for n in range((last[0] - first[0]) % 7 + 1))
        taken.append(match.span())
        events.append((match.start(), "days", days))
    for match in _DAY_RE.finditer(text):
        if free(match.span()):
            taken.append(match.span())
            events.append((match.start(), "days", _weekdays(match.group(0))))
    for match in _TIME_RANGE.finditer(text):
        if not free(match.span()):
            continue
        h1, m1, s1, h2, m2, s2 = match.groups()
        if int(h1) > 24 or int(h2) > 24 or int(m1 or 0) > 59 or int(m2 or 0) > 59:
            continue
        start, end = _clock_minutes(h1, m1, s1), _clock_minutes(h2, m2, s2)
        if not s1 and s2 and s2.lower().startswith("p") and start + 720 < end:
            start += 720  # "1-5pm" is 13:00-17:00
        taken.append(match.span())
        if end == 0:
            end = 24 * 60
        if end <= start or end > 24 * 60:
            draft.problems.append("hours.end_before_start")
            continue
        events.append((match.start(), "time", (start, end)))
    draft.weekly = _assign(sorted(events, key=lambda e: e[0])) or None


def _assign(events: list[tuple[int, str, object]]) -> list[tuple[int, int, int]]:
    """Attach each time range to the day group before it (or, first, after it)."""
    groups: list[tuple[set[int], list[tuple[int, int]]]] = []
    leading: list[tuple[int, int]] = []
    previous = ""
    for _, kind, value in events:
        if kind == "days":
            days = set(value)  # type: ignore[call-overload]
            if previous == "days" and groups:
                groups[-1][0].update(days)
            else:
                groups.append((days, []))
        elif groups:
            groups[-1][1].append(value)  # type: ignore[arg-type]
        else:
            leading.append(value)  # type: ignore[arg-type]
        previous = kind
    if leading and groups:
        groups[0][1].extend(leading)
    weekly = {(day, start, end) for days, ranges in groups for day in days for start, end in ranges}
    return sorted(weekly)


def _read_place(text: str, draft: OfferDraft, taken: list[Span], free: Free) -> None:
    online = _ONLINE.search(text)
    if online:
        taken.append(online.span())
        draft.place_kind = "online"
        return
    visit = _AT_CUSTOMER.search(text)
    if visit:
        taken.append(visit.span())
        draft.place_kind = "customer"
        return
    for match in _AREA.finditer(text):
        if not free(match.span()):
            continue
        area = _cut_at_taken(text, match.start("area"), match.end("area"), taken)
        area = area.strip(" -–—:;!?\"'")
        if len(area) < 2 or _DAY_RE.fullmatch(area):
            continue
        taken.append((match.start(), match.start("area") + len(area)))
        draft.place_kind, draft.area = "area", area[:200]
        return


def _cut_at_taken(text: str, start: int, end: int, taken: list[Span]) -> str:
    for a, _ in sorted(taken):
        if start <= a < end:
            end = a
    return text[start:end]


_CONNECTORS = frozenset({"and", "or", "и", "или", "y", "o", "e", "&", "+", "with", "с", "con"})


def _read_title(text: str, draft: OfferDraft, taken: list[Span]) -> None:
    """The first stretch of words that no other field claimed: usually the opening."""
    cursor, pieces = 0, []
    for start, end in sorted(taken):
        pieces.append(text[cursor:start])
        cursor = max(cursor, end)
    pieces.append(text[cursor:])
    for piece in pieces:
        for chunk in re.split(r"[,;.\n!|]|\s[-–—]\s", piece):
            title = chunk.strip(" -–—:;,.!?\"'\t")
            words = title.lower().split()
            if (
                len(title) >= 2
                and re.search(r"[^\W\d_]", title)
                and not (set(words) <= _CONNECTORS)
            ):
                draft.title = title[:120]
                return
