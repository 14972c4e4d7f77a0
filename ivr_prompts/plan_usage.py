"""What a plan would ask of Waves: the characters it bills and the requests it sends (long
texts go in several), before any retry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .engines.waves.text import split_text
from .usage import Usage

if TYPE_CHECKING:
    from .plan import Plan


def planned_usage(plan: Plan) -> Usage | None:
    """The Waves usage of building `plan`; None when no pair is spoken by Waves."""
    waves = [p for p in plan.pairs if p.engine == "waves"]
    if not waves:
        return None
    limit = plan.config.waves.max_chars
    pieces = [split_text(p.spoken, limit) for p in waves if p.action == "synthesize"]
    return Usage(
        requests=sum(len(found) for found in pieces),
        characters=sum(len(piece) for found in pieces for piece in found),
    )
