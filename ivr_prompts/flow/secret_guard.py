"""A build refuses a project holding a known secret, whatever engine speaks it: an offline
engine sends nothing anywhere, but the manifest, the indexes and the audio itself would carry
the key to everyone the set is published to."""

from __future__ import annotations

from collections.abc import Mapping

from ..config import Config
from ..engines.waves.guard import secret_problems
from ..errors import ConfigError
from ..text.lexicon import Lexicon


def refuse_secrets(config: Config, lexicons: Mapping[str, Lexicon]) -> None:
    """ConfigError naming each place of the project that holds a known secret (never its value)."""
    problems = secret_problems(config, lexicons)
    if problems:
        raise ConfigError(problems)
