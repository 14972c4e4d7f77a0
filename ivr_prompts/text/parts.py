"""What a rendered prompt says: spoken text and exact pauses, in order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Speech:
    """Text an engine speaks: verbalized, the pronunciation dictionary not yet applied."""

    text: str


@dataclass(frozen=True, slots=True)
class Pause:
    """Exact digital silence between two spoken parts, in milliseconds."""

    ms: int


Part = Speech | Pause
