"""The interface every speech engine implements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..kinds import ResolvedEngine

if TYPE_CHECKING:  # numpy is imported by what makes audio, not by what names engines
    import numpy as np
    import numpy.typing as npt

    from ..config import Config
    from ..text.lexicon import Lexicon

    FloatAudio = npt.NDArray[np.float32]


@dataclass(frozen=True)
class SynthesisRequest:
    """One prompt x locale to speak. `text` is what the engine must say."""

    prompt_id: str
    locale: str
    text: str
    language: str
    voice: str
    speed: float
    model: str
    cache_key: str
    # Remote dictionary ids (Waves); local engines get text with the dictionary already applied.
    pronunciation_dicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Synthesis:
    """Mono float32 samples in [-1, 1] at the engine's native rate, plus facts for the manifest."""

    samples: FloatAudio
    sample_rate: int
    meta: dict[str, str] = field(default_factory=dict)


class Engine(Protocol):
    """A speech engine. Models load lazily: an engine never asked to speak costs nothing."""

    name: ResolvedEngine
    # Applies the pronunciation dictionary itself (remotely); otherwise the pipeline applies it.
    remote_lexicon: bool
    max_concurrency: int

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        """Everything about this engine that changes the audio (version, voice file hash...)."""
        ...

    async def prepare(self, config: Config, lexicons: Mapping[str, Lexicon]) -> dict[str, str]:
        """Get ready to speak these locales (called only when there is something to speak);
        return remote pronunciation dictionary ids by locale."""
        ...

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        """Speak one request; raise EngineError on failure."""
        ...

    async def aclose(self) -> None:
        """Release clients and models."""
        ...
