"""What an engine declares about itself: one object per engine, registered as an entry point.

The registry (registry.py) loads these doors from the `ivr_prompts.engines` entry-point group and
asks them every engine-specific question; nothing else in the package branches on an engine's
name. A door module must stay light: it is loaded to plan, check and answer a no-op build, so it
imports the engine itself (numpy, onnxruntime, httpx) only inside `create`.

A third-party engine is a package with a module holding one object of this shape, and one line in
its pyproject.toml (see docs/architecture.md, "Doors: engines and targets").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..config import Config, LocaleConfig, PromptConfig
    from ..config.settings import Key
    from .base import Engine
    from .findings import Finding


class EngineDoor(Protocol):
    """An engine as plan, pre-flight, check and build know it."""

    # The name prompts.toml uses (synth.engine, locales.*.engine, prompts[].engine, --engine).
    name: str
    # Characters it is sent are billed (plan and check count them).
    bills_characters: bool
    # Applies pronunciation dictionaries itself: a dictionary edit changes its synthesis key
    # without changing the text it is sent.
    remote_lexicon: bool
    # The longest text one prompt may hold, and what that limit is of ("one espeak request").
    max_prompt_chars: int
    limit_of: str
    # The prompts.toml table holding its settings, if any ("waves"), and the keys of that table
    # when the engine declares them itself (settings.Key with this section; ours are declared in
    # settings.py). Read and checked as ours are, into config.engine_settings[section].
    settings_section: str | None
    settings_keys: Sequence[Key]

    def resolve(self, locale: LocaleConfig) -> str:
        """The name of the engine that speaks `locale` for this name: its own name, or another
        door's ("local" is Piper where a voice speaks the language, else espeak-ng)."""
        ...

    def voice(self, config: Config, locale: LocaleConfig, prompt: PromptConfig) -> str:
        """The voice a prompt is spoken in (voice names are engine-specific)."""
        ...

    def model(self, config: Config) -> str:
        """The model it speaks with ("" when it has none)."""
        ...

    def request_chars(self, config: Config) -> int | None:
        """Text over this many characters is split into several requests (None: never)."""
        ...

    def identity(self, config: Config, voice: str, model: str) -> dict[str, str]:
        """Everything about it speaking `voice` that changes the audio (for cache keys),
        answered without making the engine."""
        ...

    def language_findings(self, config: Config, codes: Sequence[str]) -> list[Finding]:
        """What it says about speaking these locales (all at once: one voice catalog for all):
        an error where it cannot speak one, a warning where a voice misses its accent."""
        ...

    def config_problems(self, config: Config) -> list[tuple[tuple[str, ...], str]]:
        """Problems of the rest of prompts.toml when this engine speaks some of it (key path,
        message)."""
        ...

    def create(self, config: Config) -> Engine:
        """The engine a build speaks with (imports the heavy parts here)."""
        ...


class DoorDefaults:
    """The answers most engines give; a door subclasses it and overrides what differs."""

    name: str
    bills_characters = False
    remote_lexicon = False
    max_prompt_chars = 2000
    limit_of = "one request"
    settings_section: str | None = None
    settings_keys: Sequence[Key] = ()

    def resolve(self, locale: LocaleConfig) -> str:
        return self.name

    def model(self, config: Config) -> str:
        return ""

    def request_chars(self, config: Config) -> int | None:
        return None

    def language_findings(self, config: Config, codes: Sequence[str]) -> list[Finding]:
        return []

    def config_problems(self, config: Config) -> list[tuple[tuple[str, ...], str]]:
        return []
