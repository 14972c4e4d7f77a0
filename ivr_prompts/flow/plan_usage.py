"""What a plan would ask of the engines that bill characters (Waves): the characters billed and
the requests sent (a long text goes in several), before any retry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engines.registry import door
from ..engines.waves.text import split_text
from .spoken_parts import speech_parts
from .usage import Usage

if TYPE_CHECKING:
    from .plan import Pair, Plan


def planned_usage(plan: Plan) -> Usage | None:
    """The usage of building `plan`; None when no pair is spoken by an engine that bills."""
    billing = [p for p in plan.pairs if not p.generated and door(p.engine).bills_characters]
    if not billing:
        return None
    texts: dict[str, tuple[str, int | None]] = {}  # synthesis key -> (text, request size)
    for pair in (p for p in billing if p.action == "synthesize"):
        size = door(pair.engine).request_chars(plan.config)
        for key, text in _sent(pair, plan.cached_parts):
            texts[key] = (text, size)
    pieces = [split_text(text, size) if size else [text] for text, size in texts.values()]
    return Usage(
        requests=sum(len(found) for found in pieces),
        characters=sum(len(piece) for found in pieces for piece in found),
    )


def _sent(pair: Pair, cached: frozenset[str]) -> list[tuple[str, str]]:
    """(synthesis key, text) of each text a pair's engine is sent: its whole text, or each of
    its spoken parts the cache does not hold."""
    if not pair.parts:
        return [(pair.synth_key, pair.spoken)]
    return [(p.synth_key, p.spoken) for p in speech_parts(pair.parts) if p.synth_key not in cached]
