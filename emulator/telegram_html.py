"""Telegram's HTML parse mode: turns HTML into plain text plus message entities.

Follows the Bot API rules: only the documented tags, properly nested and closed; the
named entities &lt; &gt; &amp; &quot; and numeric entities; offsets in UTF-16 code units.
A `<` that does not open a supported tag is an error, as in Telegram, which is what makes
unescaped user input visible in tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message reads like Telegram's."""


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the output
    attrs: dict[str, str] = field(default_factory=dict)


def utf16_len(text: str) -> int:
    """Length of `text` as Telegram counts offsets (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith(("#x", "#X")):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return NAMED_ENTITIES.get(name.lower(), match.group(0))

    return _ENTITY_RE.sub(replace, text)


def _attributes(raw: str) -> dict[str, str]:
    return {
        m.group(1).lower(): _unescape(m.group(2) or m.group(3) or m.group(4) or "")
        for m in _ATTR_RE.finditer(raw)
    }


def parse_html(source: str) -> tuple[str, list[dict[str, object]]]:
    """Plain text and entities of a Telegram-HTML string; raises HtmlParseError."""
    out: list[str] = []
    offset = 0
    stack: list[_Open] = []
    entities: list[dict[str, object]] = []
    position = 0
    while position < len(source):
        lt = source.find("<", position)
        chunk = source[position : lt if lt >= 0 else len(source)]
        if chunk:
            text = _unescape(chunk)
            out.append(text)
            offset += utf16_len(text)
        if lt < 0:
            break
        match = _TAG_RE.match(source, lt)
        byte_offset = len(source[:lt].encode("utf-8"))
        if match is None:
            name = re.match(r"</?([^\s>]*)", source[lt:])
            raise HtmlParseError(
                f'can\'t parse entities: Unsupported start tag "{name.group(1) if name else ""}" '
                f"at byte offset {byte_offset}"
            )
        closing, tag, raw_attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if tag not in TAG_TYPES:
            kind = "end" if closing else "start"
            raise HtmlParseError(
                f"can't parse entities: Unsupported {kind} tag "
                f'"{tag}" at byte offset {byte_offset}'
            )
        if closing:
            if not stack or stack[-1].tag != tag:
                expected = f'"</{stack[-1].tag}>"' if stack else "nothing"
                raise HtmlParseError(
                    f"can't parse entities: Unmatched end tag at byte offset {byte_offset}, "
                    f'expected {expected}, found "</{tag}>"'
                )
            opened = stack.pop()
            language = opened.attrs.get("class", "")
            if (
                tag == "code"
                and stack
                and stack[-1].tag == "pre"
                and language.startswith("language-")
            ):
                # <pre><code class="language-x"> is one pre entity with a language.
                stack[-1].attrs["language"] = language.removeprefix("language-")
                position = match.end()
                continue
            entity = _entity(opened, offset, byte_offset)
            if entity is not None:
                entities.append(entity)
        else:
            stack.append(_Open(tag, offset, _attributes(raw_attrs)))
        position = match.end()
    if stack:
        raise HtmlParseError(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1].tag}"'
        )
    entities.sort(key=lambda e: (e["offset"], -int(str(e["length"]))))
    return "".join(out), entities


def _entity(opened: _Open, end: int, byte_offset: int) -> dict[str, object] | None:
    length = end - opened.start
    kind = TAG_TYPES[opened.tag]
    entity: dict[str, object] = {"type": kind, "offset": opened.start, "length": length}
    if opened.tag == "span" and opened.attrs.get("class") != "tg-spoiler":
        raise HtmlParseError(
            f'can\'t parse entities: Unsupported start tag "span" at byte offset {byte_offset}'
        )
    if opened.tag == "a":
        href = opened.attrs.get("href", "")
        if not href:
            return None
        if href.startswith("tg://user?id="):
            entity = {
                "type": "text_mention",
                "offset": opened.start,
                "length": length,
                "user": {"id": int(href.split("=", 1)[1]), "is_bot": False, "first_name": ""},
            }
        else:
            entity["url"] = href
    elif opened.tag == "pre" and opened.attrs.get("language"):
        entity["language"] = opened.attrs["language"]
    elif opened.tag == "blockquote" and "expandable" in opened.attrs:
        entity["type"] = "expandable_blockquote"
    elif opened.tag == "tg-emoji":
        entity["custom_emoji_id"] = opened.attrs.get("emoji-id", "")
    if length == 0:
        return None
    return entity
