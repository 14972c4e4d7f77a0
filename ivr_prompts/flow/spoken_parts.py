"""A pair spoken in parts: each spoken part keyed (and cached, and billed) on its own.

A pair whose rendered parts hold a pause is synthesized part by part: each spoken part gets the
pronunciation dictionary and the cache key a whole prompt of that text would get (so an edit
after a pause re-synthesizes only the part that changed, and two prompts that say the same part
share it), and the pair's synthesis key is made of its parts' keys and pauses (so a changed
pause re-processes the pair but synthesizes nothing). A pair without a pause keeps the key of
its text, as before parts existed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .. import cache
from ..text.lexicon import Lexicon
from ..text.parts import Part, Pause, Speech


@dataclass(frozen=True, slots=True)
class SpokenPart:
    """One spoken part of a pair: the text sent to the engine and its synthesis key."""

    spoken: str
    synth_key: str
    lexicon_words: tuple[str, ...]


PlannedPart = SpokenPart | Pause


@dataclass(frozen=True, slots=True)
class Voice:
    """What keys a text for one pair: the engine's identity, the language, the speed and the
    locale's dictionary (applied here, or by the engine when it holds it remotely)."""

    identity: Mapping[str, str]
    language: str
    speed: float
    lexicon: Lexicon
    remote_lexicon: bool

    def key_text(self, text: str) -> SpokenPart:
        # Only the dictionary entries this text uses: editing one word re-synthesizes only the
        # prompts (and parts) that contain it.
        used = tuple(sorted(self.lexicon.words_used(text)))
        spoken = text if self.remote_lexicon else self.lexicon.apply(text)
        spoken = text if spoken == text else spoken  # one string, not two, per pair
        table = dict(self.lexicon.entries) if used else {}
        entries = [[w, table[w]] for w in used]
        key = speech_key(self.identity, self.language, self.speed, spoken, entries)
        return SpokenPart(spoken, key, used)

    def key_pair(
        self, parts: Sequence[Part], text: str
    ) -> tuple[SpokenPart, tuple[PlannedPart, ...]]:
        """A pair's (spoken text, synthesis key, dictionary words) and its keyed parts: its
        own text's when it has no pause (and no parts), else its parts' together."""
        parts = normalise(parts)
        if not has_pauses(parts):
            return self.key_text(whole_text(parts, text)), ()
        planned = tuple(p if isinstance(p, Pause) else self.key_text(p.text) for p in parts)
        whole = SpokenPart(spoken_text(planned), composite_key(planned), lexicon_words(planned))
        return whole, planned


def speech_key(
    identity: Mapping[str, str],
    language: str,
    speed: float,
    spoken: str,
    lexicon: Sequence[Sequence[str]],
) -> str:
    """The synthesis key of one text: the engine's identity, the language, the speed, the text
    and the dictionary entries it uses."""
    fields: dict[str, Any] = {
        **identity,
        "language": language,
        "speed": speed,
        "text": spoken,
        "lexicon": [list(entry) for entry in lexicon],
    }
    return cache.make_key(fields)


def normalise(parts: Sequence[Part]) -> tuple[Part, ...]:
    """Adjacent pauses summed, adjacent spoken parts joined by a space, empty ones dropped."""
    out: list[Part] = []
    for part in parts:
        if isinstance(part, Pause):
            if part.ms <= 0:
                continue
            if out and isinstance(out[-1], Pause):
                out[-1] = Pause(out[-1].ms + part.ms)
                continue
            out.append(part)
            continue
        text = " ".join(part.text.split())
        if not text:
            continue
        if out and isinstance(out[-1], Speech):
            out[-1] = Speech(f"{out[-1].text} {text}")
        else:
            out.append(Speech(text))
    return tuple(out)


def has_pauses(parts: Sequence[Part]) -> bool:
    return any(isinstance(p, Pause) for p in parts)


def whole_text(parts: Sequence[Part], text: str) -> str:
    """What a pair without pauses speaks: its one spoken part, or its rendered text."""
    spoken = [p.text for p in parts if isinstance(p, Speech)]
    return " ".join(spoken) if spoken else text


def composite_key(parts: Sequence[PlannedPart]) -> str:
    """The synthesis key of a pair in parts: its parts' keys and its pauses, in order."""
    return cache.make_key({"parts": [p.ms if isinstance(p, Pause) else p.synth_key for p in parts]})


def spoken_text(parts: Sequence[PlannedPart]) -> str:
    """The text a pair in parts is sent as, its spoken parts in order (the manifest records
    where its pauses fall in its `parts`)."""
    return " ".join(p.spoken for p in parts if isinstance(p, SpokenPart))


def pauses_of(parts: Sequence[Any] | None) -> list[int]:
    """The pauses (ms) of a manifest record's `parts` (text and pause lengths, in order)."""
    return [p for p in parts or () if isinstance(p, int)]


def lexicon_words(parts: Sequence[PlannedPart]) -> tuple[str, ...]:
    return tuple(sorted({w for p in parts if isinstance(p, SpokenPart) for w in p.lexicon_words}))


def speech_parts(parts: Iterable[PlannedPart]) -> list[SpokenPart]:
    return [p for p in parts if isinstance(p, SpokenPart)]


class Billable(Protocol):
    """A pair as billing sees it (plan.Pair)."""

    @property
    def spoken(self) -> str: ...
    @property
    def synth_key(self) -> str: ...
    @property
    def parts(self) -> tuple[PlannedPart, ...]: ...


def synth_keys(pair: Billable) -> list[str]:
    """The syntheses a pair is made from: its own, or each of its spoken parts'."""
    if not pair.parts:
        return [pair.synth_key]
    return [p.synth_key for p in speech_parts(pair.parts)]


def characters(pair: Billable) -> int:
    """Characters an engine is sent for a pair: its spoken text, or its parts'."""
    if not pair.parts:
        return len(pair.spoken)
    return sum(len(p.spoken) for p in speech_parts(pair.parts))


def billed(pairs: Iterable[Billable], cached: frozenset[str]) -> int:
    """Characters sent to synthesize these pairs: each text once, a pair with pauses part by
    part (the parts in `cached` are not sent)."""
    sent: dict[str, int] = {}
    for pair in pairs:
        if not pair.parts:
            sent[pair.synth_key] = len(pair.spoken)
        for part in speech_parts(pair.parts):
            if part.synth_key not in cached:
                sent[part.synth_key] = len(part.spoken)
    return sum(sent.values())
