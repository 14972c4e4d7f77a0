"""The inline markup a prompt's text may hold: a strict subset of SSML.

`<break time="500ms"/>` (or `strength="weak"`), `<say-as interpret-as="...">...</say-as>` and
`<sub alias="...">...</sub>`, one level deep. A `<` that does not start one of these (a letter
or `/` right after it, a `>` before the next `<`) is plain text, and so is an `&` that is not one
of XML's five entities: "press < to go back" and "AT&T" stay as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SayAsKind = Literal[
    "cardinal", "ordinal", "digits", "characters", "date", "time", "currency", "telephone"
]
SAY_AS: tuple[SayAsKind, ...] = (
    "cardinal",
    "ordinal",
    "digits",
    "characters",
    "date",
    "time",
    "currency",
    "telephone",
)
TAGS = ("break", "say-as", "sub")
# SSML's strengths, as the pause each one makes here (SSML leaves the lengths to the processor).
STRENGTHS = {
    "none": 0,
    "x-weak": 100,
    "weak": 250,
    "medium": 500,
    "strong": 750,
    "x-strong": 1000,
}
MAX_BREAK_MS = 10_000
# Which say-as kinds take a `format` (see text/verbalize.py for the values each accepts).
FORMATS: dict[str, str] = {
    "date": "ymd, dmy or mdy",
    "time": "hms12 or hms24",
    "digits": "a grouping like 4-3-4",
    "telephone": "a grouping like 3-3-4",
}

_TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)((?:\s+[^<>]*?)?)\s*(/?)>")
_ATTR = re.compile(r"""\s*([A-Za-z][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TIME = re.compile(r"(\d+(?:\.\d+)?)(ms|s)")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}
_ENTITY = re.compile("|".join(_ENTITIES))


@dataclass(frozen=True, slots=True)
class Plain:
    text: str


@dataclass(frozen=True, slots=True)
class Break:
    ms: int


@dataclass(frozen=True, slots=True)
class SayAs:
    kind: SayAsKind
    content: str
    format: str = ""
    offset: int = 0  # where its tag starts in the text, for errors found when it is said
    tag: str = ""


@dataclass(frozen=True, slots=True)
class Sub:
    alias: str
    content: str


Segment = Plain | Break | SayAs | Sub


class MarkupError(Exception):
    """Markup that breaks the rules: the message, and the offset of the tag in the text."""

    def __init__(self, message: str, offset: int, tag: str) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.tag = tag


def unescape(text: str) -> str:
    """XML's five entities decoded; any other `&` is kept as written."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], text) if "&" in text else text


def escape(text: str) -> str:
    """Text made safe to put between tags (the inverse of `unescape`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def has_markup(text: str) -> bool:
    """Whether the text may hold a tag or an entity (else it is all plain text)."""
    return "<" in text or "&" in text


def parse(text: str) -> list[Segment]:
    """The text as segments; raise MarkupError at the first tag that breaks the rules."""
    if not has_markup(text):
        return [Plain(text)]
    out: list[Segment] = []
    pos = 0
    while True:
        match = _next_tag(text, pos)
        if match is None:
            _plain(out, text[pos:])
            return out
        _plain(out, text[pos : match.start()])
        pos = _element(text, match, out)


def _next_tag(text: str, pos: int) -> re.Match[str] | None:
    """The next tag-like `<...>`; a known tag name left open is an error."""
    while (start := text.find("<", pos)) >= 0:
        match = _TAG.match(text, start)
        if match is not None:
            return match
        name = re.match(r"</?([A-Za-z][\w:.-]*)", text[start:])
        if name is not None and name.group(1) in TAGS:
            tag = text[start : start + 40].split("\n", maxsplit=1)[0]
            raise MarkupError(f"<{name.group(1)}> is not closed with '>'", start, tag)
        pos = start + 1
    return None


def _plain(out: list[Segment], text: str) -> None:
    if text:
        out.append(Plain(unescape(text)))


def _element(text: str, match: re.Match[str], out: list[Segment]) -> int:
    """Read the element starting at `match` into `out`; the offset just after it."""
    closing, name, raw_attrs, empty = match.groups()
    tag = match.group(0)
    start = match.start()
    if name not in TAGS:
        raise MarkupError(
            f"unknown tag <{name}>; the tags are <break/>, <say-as> and <sub> (write &lt; "
            "for a '<' that is text)",
            start,
            tag,
        )
    if closing:
        raise MarkupError(f"</{name}> closes no open <{name}>", start, tag)
    attrs = _attributes(raw_attrs, start, tag)
    if name == "break":
        if not empty:
            raise MarkupError('<break> must end with "/>", like <break time="500ms"/>', start, tag)
        out.append(Break(_break_ms(attrs, start, tag)))
        return match.end()
    if empty:
        raise MarkupError(f"<{name}/> is empty; write <{name} ...>text</{name}>", start, tag)
    end = text.find(f"</{name}>", match.end())
    inner = text[match.end() : end]
    if end < 0:
        raise MarkupError(f"<{name}> is not closed; end it with </{name}>", start, tag)
    if (nested := _TAG.search(inner)) is not None:
        raise MarkupError(
            f"<{name}> holds {nested.group(0)}; markup does not nest: only text goes inside",
            start,
            tag,
        )
    content = unescape(inner).strip()
    if not content:
        raise MarkupError(f"<{name}> holds no text", start, tag)
    if name == "say-as":
        out.append(_say_as(attrs, content, start, tag))
    else:
        out.append(_sub(attrs, content, start, tag))
    return end + len(name) + 3


def _attributes(raw: str, start: int, tag: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    pos = 0
    rest = raw.rstrip()
    while pos < len(rest):
        match = _ATTR.match(rest, pos)
        if match is None:
            bad = rest[pos:].strip()
            raise MarkupError(f'bad attribute {bad!r} in {tag}; write name="value"', start, tag)
        name, value = (
            match.group(1),
            match.group(2) if match.group(2) is not None else match.group(3),
        )
        if name in attrs:
            raise MarkupError(f"{tag}: attribute {name!r} is given twice", start, tag)
        attrs[name] = unescape(value)
        pos = match.end()
    return attrs


def _only(attrs: dict[str, str], allowed: tuple[str, ...], start: int, tag: str) -> None:
    for name in attrs:
        if name not in allowed:
            takes = ", ".join(allowed) if allowed else "no attribute"
            raise MarkupError(f"{tag}: unknown attribute {name!r} (it takes {takes})", start, tag)


def _break_ms(attrs: dict[str, str], start: int, tag: str) -> int:
    _only(attrs, ("time", "strength"), start, tag)
    if "time" in attrs:  # SSML: time wins over strength
        match = _TIME.fullmatch(attrs["time"].strip())
        if match is None:
            raise MarkupError(
                f'{tag}: time {attrs["time"]!r} is not a duration; write "500ms" or "1.5s"',
                start,
                tag,
            )
        ms = round(float(match.group(1)) * (1 if match.group(2) == "ms" else 1000))
        if ms > MAX_BREAK_MS:
            raise MarkupError(
                f"{tag}: a break of {ms} ms is over the {MAX_BREAK_MS // 1000} s limit; "
                "split the prompt or shorten the pause",
                start,
                tag,
            )
        return ms
    strength = attrs.get("strength", "medium")
    if strength not in STRENGTHS:
        raise MarkupError(
            f"{tag}: strength {strength!r} is not one of {', '.join(STRENGTHS)}", start, tag
        )
    return STRENGTHS[strength]


def _say_as(attrs: dict[str, str], content: str, start: int, tag: str) -> SayAs:
    kind = attrs.get("interpret-as")
    if kind is None:
        raise MarkupError(f"{tag}: needs interpret-as (one of {', '.join(SAY_AS)})", start, tag)
    if kind not in SAY_AS:
        raise MarkupError(
            f"{tag}: interpret-as {kind!r} is not one of {', '.join(SAY_AS)}", start, tag
        )
    allowed = ("interpret-as", "format") if kind in FORMATS else ("interpret-as",)
    _only(attrs, allowed, start, tag)
    return SayAs(kind, content, attrs.get("format", ""), start, tag)


def _sub(attrs: dict[str, str], content: str, start: int, tag: str) -> Sub:
    _only(attrs, ("alias",), start, tag)
    alias = attrs.get("alias", "").strip()
    if not alias:
        raise MarkupError(f'{tag}: needs alias="what to say instead"', start, tag)
    return Sub(alias, content)
