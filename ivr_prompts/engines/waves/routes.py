"""Where Waves lives and how to authenticate: routes, the base URL and the API key."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ... import secrets
from ...config import WavesSettings
from ...errors import EngineUnavailable

TTS_PATH = "/waves/v1/tts"
LIVE_PATH = "/waves/v1/tts/live"
LEGACY_TTS_PATH = "/waves/v1/lightning-v3.1/get_speech"
LEGACY_LIVE_PATH = "/waves/v1/lightning-v3.1/stream"
DICTS_PATH = "/waves/v1/pronunciation-dicts"
VOICES_PATH = "/waves/v1/lightning-v3.1/get_voices"
BASE_URL_ENV = "SMALLEST_BASE_URL"


def api_key_from_env(settings: WavesSettings, environ: Mapping[str, str] = os.environ) -> str:
    """The API key from the variable settings.api_key_env names; never from prompts.toml."""
    name = settings.api_key_env
    key = environ.get(name, "").strip()
    if not key:
        raise EngineUnavailable(
            f"{name} is not set: export your Waves API key (export {name}=sk_...), "
            "or build offline with --engine local"
        )
    if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
        raise EngineUnavailable(
            f"{name} contains spaces or non-ASCII characters: copy the Waves API key again"
        )
    secrets.remember(key)
    return key


def base_url_from(settings: WavesSettings, environ: Mapping[str, str] = os.environ) -> str:
    """SMALLEST_BASE_URL when set and non-empty, else waves.base_url; no trailing slash."""
    url = environ.get(BASE_URL_ENV, "").strip() or settings.base_url
    return url.rstrip("/")
