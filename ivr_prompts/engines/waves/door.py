"""The `waves` engine's door (Smallest AI): voices, model, billing, request size, identity.

Light: no httpx, no key; the engine itself is made (and connects) only when it must speak.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...config import Config, LocaleConfig, PromptConfig
from ..base import Engine
from ..door import DoorDefaults
from ..findings import Finding
from .identity import waves_identity

# Waves splits text into requests of waves.max_chars, up to a whole prompt of this many.
WAVES_MAX_CHARS = 20000


class WavesDoor(DoorDefaults):
    name = "waves"
    bills_characters = True
    remote_lexicon = True
    max_prompt_chars = WAVES_MAX_CHARS
    limit_of = "a Waves prompt"
    settings_section = "waves"

    def voice(self, config: Config, locale: LocaleConfig, prompt: PromptConfig) -> str:
        return prompt.voice or locale.voice

    def model(self, config: Config) -> str:
        return config.synth.model

    def request_chars(self, config: Config) -> int | None:
        return config.waves.max_chars

    def identity(self, config: Config, voice: str, model: str) -> dict[str, str]:
        return waves_identity(config.waves, voice, model, config.audio.sentence_pause_ms)

    def language_findings(self, config: Config, codes: Sequence[str]) -> list[Finding]:
        """The model's languages, and each voice against the voice catalog (cached with its
        age in the project's cache, fetched again when a key is set)."""
        from . import catalog  # the catalog's fetch is stdlib only, but read only when asked

        return catalog.locale_findings(config, codes)

    def config_problems(self, config: Config) -> list[tuple[tuple[str, ...], str]]:
        rate = config.waves.sample_rate
        if config.publish.hd and rate < 16000:
            return [
                (
                    ("publish", "hd"),
                    f"needs wideband audio but waves.sample_rate is {rate}; "
                    "set it to 16000 or more",
                )
            ]
        return []

    def create(self, config: Config) -> Engine:
        from .deferred import DeferredWaves

        return DeferredWaves(config)


DOOR = WavesDoor()
