"""Rendered text with markup -> the transcript, the spoken text and its parts (speech, pauses)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .markup import Break, MarkupError, Plain, SayAs, Sub, has_markup, parse
from .numbers import SayError
from .parts import Part, Pause, Speech
from .verbalize import Said, Verbalizer, verbalizer

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Spoken:
    """What a prompt shows (`text`: the transcript), says (`spoken`: the Speech parts joined by a
    space) and its `parts` (empty when it has no pause: one Speech of `spoken`)."""

    text: str
    spoken: str
    parts: tuple[Part, ...]


def _normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def speak(text: str, code: str, language: str) -> Spoken:
    """Parse and verbalize; raise MarkupError (with the tag's offset) for bad markup or a
    say-as value the locale cannot read."""
    if not has_markup(text):
        plain = _normalise(text)
        return Spoken(plain, plain, ())
    shown: list[str] = []
    spoken: list[str] = [""]
    pauses: list[int] = []  # pauses[i] is the silence after spoken[i]
    voice = verbalizer(code, language)
    for segment in parse(text):
        if isinstance(segment, Plain):
            shown.append(segment.text)
            spoken[-1] += segment.text
        elif isinstance(segment, Break):
            shown.append(" ")
            if not segment.ms:  # strength="none": no pause, the words stay one part
                spoken[-1] += " "
                continue
            pauses.append(segment.ms)
            spoken.append("")
        elif isinstance(segment, Sub):
            shown.append(segment.content)
            spoken[-1] += segment.alias
        else:
            said = _say(voice, segment)
            shown.append(said.display)
            spoken[-1] += said.spoken
    return Spoken(_normalise("".join(shown)), *_parts(spoken, pauses))


def _say(voice: Verbalizer, segment: SayAs) -> Said:
    try:
        return voice.say(segment.kind, segment.content, segment.format)
    except SayError as exc:
        raise MarkupError(f"{segment.tag}: {exc}", segment.offset, segment.tag) from None


def _parts(spoken: list[str], pauses: list[int]) -> tuple[str, tuple[Part, ...]]:
    texts = [_normalise(s) for s in spoken]
    joined = " ".join(t for t in texts if t)
    if not pauses:
        return joined, ()
    parts: list[Part] = []
    for i, text in enumerate(texts):
        if text:
            parts.append(Speech(text))
        if i < len(pauses):
            if parts and isinstance(parts[-1], Pause):
                parts[-1] = Pause(parts[-1].ms + pauses[i])
            else:
                parts.append(Pause(pauses[i]))
    return joined, tuple(parts)
