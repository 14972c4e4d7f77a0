"""Pronunciation dictionaries on Waves: sync with the lock file, list, prune."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import EngineError
from ...lexicon import Lexicon
from .errors import is_unknown_dictionary
from .lock import LockEntry, read_lock, write_lock
from .shapes import DictItem, RemoteDict

if TYPE_CHECKING:  # the client brings httpx; these functions only receive one
    from .client import WavesClient
    from .engine import WavesEngine

logger = logging.getLogger(__name__)


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
