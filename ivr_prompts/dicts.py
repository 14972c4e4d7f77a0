"""Pronunciation dictionaries on Waves: sync with the lock file, list, prune; the voice catalog."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from .config import Config
from .engines.waves import DictItem, RemoteDict, WavesClient, WavesEngine, is_unknown_dictionary
from .errors import ConfigError, EngineError
from .lexicon import Lexicon

logger = logging.getLogger(__name__)

LOCK_VERSION = 1

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


class LockEntry(TypedDict):
    """One locale's remote dictionary: the content digest it was made from and its id."""

    digest: str
    id: str


class LockFile(TypedDict):
    """prompts.lock.json."""

    version: int
    dictionaries: dict[str, LockEntry]


def read_lock(lock_path: Path) -> dict[str, LockEntry]:
    """The lock file's dictionaries; empty when the file does not exist."""
    try:
        raw = lock_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError([f"{lock_path}: cannot read: {exc}"]) from exc
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(
            [
                f"{lock_path.name}: not valid JSON ({exc}); "
                "delete it and run `ivr-prompts dicts sync`"
            ]
        ) from exc
    problems: list[str] = []
    out: dict[str, LockEntry] = {}
    if not isinstance(data, dict) or data.get("version") != LOCK_VERSION:
        problems.append(f'{lock_path.name}: expected {{"version": {LOCK_VERSION}, ...}}')
        raise ConfigError(problems)
    entries = data.get("dictionaries", {})
    if not isinstance(entries, dict):
        raise ConfigError([f"{lock_path.name}: dictionaries: expected an object"])
    for locale, entry in entries.items():
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("digest"), str)
            and isinstance(entry.get("id"), str)
        ):
            out[locale] = {"digest": entry["digest"], "id": entry["id"]}
        else:
            problems.append(f'{lock_path.name}: dictionaries.{locale}: expected {{"digest", "id"}}')
    if problems:
        raise ConfigError(problems)
    return out


def write_lock(lock_path: Path, entries: Mapping[str, LockEntry]) -> None:
    """Write the lock file atomically, keys sorted, with a trailing newline."""
    data: LockFile = {
        "version": LOCK_VERSION,
        "dictionaries": {k: {"digest": v["digest"], "id": v["id"]} for k, v in entries.items()},
    }
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{lock_path.name}.", dir=lock_path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, lock_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dict_items(lexicon: Lexicon) -> list[DictItem]:
    """The full item list Waves stores for a lexicon."""
    return [{"word": word, "pronunciation": spoken} for word, spoken in lexicon.entries]


class DictionarySync:
    """Keeps each locale's remote dictionary equal to its file, recorded in the lock file."""

    def __init__(
        self, client: WavesClient, lexicons: Mapping[str, Lexicon], lock_path: Path
    ) -> None:
        self.client = client
        self.lexicons = dict(lexicons)
        self.lock_path = lock_path
        self._entries: dict[str, LockEntry] = {}
        self._lock = asyncio.Lock()
        self._replaced: dict[str, str] = {}

    async def sync(self) -> dict[str, str]:
        """Create or update every non-empty dictionary; locale -> remote id. Writes the lock."""
        async with self._lock:
            self._entries = read_lock(self.lock_path)
            before = dict(self._entries)
            for locale in sorted(self.lexicons):
                lexicon = self.lexicons[locale]
                if not lexicon.entries:
                    # An emptied dictionary is no longer referenced; `dicts prune` removes it.
                    self._entries.pop(locale, None)
                    continue
                entry = self._entries.get(locale)
                if entry is not None and entry["digest"] == lexicon.digest:
                    continue
                self._entries[locale] = await self._upload(lexicon, entry)
            if self._entries != before or not self.lock_path.exists():
                write_lock(self.lock_path, self._entries)
            return {
                locale: self._entries[locale]["id"]
                for locale in sorted(self.lexicons)
                if locale in self._entries
            }

    async def _upload(self, lexicon: Lexicon, entry: LockEntry | None) -> LockEntry:
        items = dict_items(lexicon)
        if entry is not None:
            try:
                remote = await self.client.update_dict(entry["id"], items)
            except EngineError as exc:
                if not is_unknown_dictionary(exc):
                    raise
                logger.debug("%s: dictionary %s is unknown remotely", lexicon.locale, entry["id"])
            else:
                logger.debug("%s: updated dictionary %s", lexicon.locale, remote["id"])
                return {"digest": lexicon.digest, "id": remote["id"] or entry["id"]}
        remote = await self.client.create_dict(items)
        logger.debug("%s: created dictionary %s", lexicon.locale, remote["id"])
        return {"digest": lexicon.digest, "id": remote["id"]}

    async def recreate(self, stale_id: str) -> str | None:
        """Re-create, once, the dictionary whose id the server forgot; the new id or None."""
        async with self._lock:
            if stale_id in self._replaced:
                return self._replaced[stale_id]
            locale = next((k for k, v in self._entries.items() if v["id"] == stale_id), None)
            if locale is None or locale not in self.lexicons:
                return None
            lexicon = self.lexicons[locale]
            remote = await self.client.create_dict(dict_items(lexicon))
            self._entries[locale] = {"digest": lexicon.digest, "id": remote["id"]}
            self._replaced[stale_id] = remote["id"]
            write_lock(self.lock_path, self._entries)
            logger.debug("%s: re-created dictionary %s as %s", locale, stale_id, remote["id"])
            return remote["id"]


async def sync_dictionaries(
    client: WavesClient, lexicons: Mapping[str, Lexicon], lock_path: Path
) -> dict[str, str]:
    """Bring remote dictionaries in line with the files; locale -> id, recorded in the lock."""
    return await DictionarySync(client, lexicons, lock_path).sync()


async def attach_dictionaries(
    engine: WavesEngine, lexicons: Mapping[str, Lexicon], lock_path: Path
) -> dict[str, str]:
    """Sync dictionaries for a build and let the engine re-create one the server forgot."""
    syncer = DictionarySync(engine.client, lexicons, lock_path)
    ids = await syncer.sync()
    engine.dictionary_refresher = syncer.recreate
    return ids


async def list_remote(client: WavesClient) -> list[RemoteDict]:
    """Every remote dictionary of the account."""
    return await client.list_dicts()


async def prune(client: WavesClient, lock_path: Path, *, dry_run: bool) -> list[str]:
    """Delete remote dictionaries the lock file does not reference; the ids (to be) deleted."""
    keep = {entry["id"] for entry in read_lock(lock_path).values()}
    doomed = sorted(d["id"] for d in await client.list_dicts() if d["id"] not in keep)
    if not dry_run:
        for dict_id in doomed:
            await client.delete_dict(dict_id)
            logger.debug("deleted dictionary %s", dict_id)
    return doomed


# -- voices --------------------------------------------------------------------------------------


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


def _voice(raw: Mapping[str, object]) -> Voice:
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
    voices = [_voice(v) for v in await client.list_voices()]
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
