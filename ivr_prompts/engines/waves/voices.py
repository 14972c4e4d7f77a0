"""The Waves voice catalog: voices, language names, and which locales' voices fit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...config import Config

if TYPE_CHECKING:  # the client brings httpx; checking voices against a catalog needs neither
    from .client import WavesClient

# Waves' voice tags name languages in lower-case English; locales use ISO 639-1 codes.
LANGUAGE_NAMES: dict[str, str] = {
    "ar": "arabic",
    "bn": "bengali",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "gu": "gujarati",
    "he": "hebrew",
    "hi": "hindi",
    "it": "italian",
    "ja": "japanese",
    "kn": "kannada",
    "ko": "korean",
    "ml": "malayalam",
    "mr": "marathi",
    "nl": "dutch",
    "or": "odia",
    "pa": "punjabi",
    "pl": "polish",
    "pt": "portuguese",
    "ru": "russian",
    "sv": "swedish",
    "ta": "tamil",
    "te": "telugu",
    "tr": "turkish",
    "zh": "chinese",
}


@dataclass(frozen=True)
class Voice:
    """One catalog voice; languages are lower-case names like 'english'."""

    voice_id: str
    display_name: str
    languages: tuple[str, ...]
    accent: str | None
    gender: str | None


def language_name(code_or_name: str) -> str:
    """'en', 'en-US' or 'English' -> 'english'."""
    value = code_or_name.strip().lower()
    return LANGUAGE_NAMES.get(value.split("-")[0].split("_")[0], value)


def parse_voice(raw: Mapping[str, object]) -> Voice:
    """One catalog entry as Waves returns it (camelCase keys, tags possibly empty)."""
    tags = raw.get("tags")
    tags = tags if isinstance(tags, dict) else {}
    langs = tags.get("language")
    if isinstance(langs, str):
        langs = [langs]
    languages = tuple(str(x).lower() for x in langs) if isinstance(langs, list) else ()
    accent = tags.get("accent")
    gender = tags.get("gender")
    display = raw.get("displayName")
    voice_id = str(raw["voiceId"])
    return Voice(
        voice_id=voice_id,
        display_name=display if isinstance(display, str) else voice_id,
        languages=languages,
        accent=accent.lower() if isinstance(accent, str) else None,
        gender=gender.lower() if isinstance(gender, str) else None,
    )


async def list_voices(
    client: WavesClient,
    *,
    language: str | None = None,
    gender: str | None = None,
    accent: str | None = None,
) -> list[Voice]:
    """The catalog, filtered (case-insensitive; language as a code or a name), sorted by id."""
    voices = [parse_voice(v) for v in await client.list_voices()]
    return filter_voices(voices, language=language, gender=gender, accent=accent)


def filter_voices(
    voices: Sequence[Voice],
    *,
    language: str | None = None,
    gender: str | None = None,
    accent: str | None = None,
) -> list[Voice]:
    """The voices matching every given filter, sorted by id."""
    want_language = language_name(language) if language else None
    out = [
        v
        for v in voices
        if (want_language is None or want_language in v.languages)
        and (gender is None or v.gender == gender.strip().lower())
        and (accent is None or v.accent == accent.strip().lower())
    ]
    return sorted(out, key=lambda v: v.voice_id)


def voice_language_warnings(config: Config, voices: Sequence[Voice]) -> list[str]:
    """One line per Waves locale whose voice is missing from the catalog or lacks its language."""
    catalog = {v.voice_id: v for v in voices}
    waves_locales = {code for code, loc in config.locales.items() if loc.engine == "waves"}
    for prompt in config.prompts:
        if prompt.engine == "waves":
            waves_locales.update(prompt.locales or config.locales)
    warnings: list[str] = []
    for code in sorted(waves_locales):
        locale = config.locales[code]
        voice = catalog.get(locale.voice)
        if voice is None:
            if not locale.voice.startswith("voice_"):  # clones are not in the catalog
                warnings.append(
                    f"locales.{code}.voice: {locale.voice!r} is not in the Waves voice catalog; "
                    "see `ivr-prompts voices`"
                )
            continue
        wanted = language_name(locale.language)
        if voice.languages and wanted not in voice.languages:
            warnings.append(
                f"locales.{code}.voice: {locale.voice!r} does not list {wanted} "
                f"(it lists {', '.join(voice.languages)}); see "
                f"`ivr-prompts voices --language {locale.language}`"
            )
    return warnings
