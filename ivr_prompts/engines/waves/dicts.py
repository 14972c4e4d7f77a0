"""Pronunciation dictionaries on Waves: sync with the lock file, list, prune."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import EngineError, UsageError
from ...text.lexicon import Lexicon
from .errors import is_unknown_dictionary
from .lock import Lock, LockEntry, load_lock, write_lock
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
        self._created: set[str] = set()
        self._lock = asyncio.Lock()
        self._replaced: dict[str, str] = {}

    async def sync(self, *, complete: bool = False) -> dict[str, str]:
        """Create or update every non-empty dictionary; locale -> remote id. Writes the lock.

        `complete`: the lexicons are every locale of the project, so a lock entry for any other
        locale is dropped (its dictionary stays recorded as created, for `dicts prune`).
        """
        async with self._lock:
            lock = load_lock(self.lock_path) or Lock()
            self._entries, self._created = lock.entries, lock.created
            before = (dict(self._entries), set(self._created))
            if complete:
                self._entries = {k: v for k, v in self._entries.items() if k in self.lexicons}
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
            if (self._entries, self._created) != before or not self.lock_path.exists():
                write_lock(self.lock_path, self._entries, self._created)
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
                if not _forgotten(exc):
                    raise
                self._created.discard(entry["id"])
                logger.debug("%s: dictionary %s is unknown remotely", lexicon.locale, entry["id"])
            else:
                logger.debug("%s: updated dictionary %s", lexicon.locale, remote["id"])
                return {"digest": lexicon.digest, "id": remote["id"] or entry["id"]}
        remote = await self.client.create_dict(items)
        self._created.add(remote["id"])
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
            self._created.add(remote["id"])
            self._replaced[stale_id] = remote["id"]
            write_lock(self.lock_path, self._entries, self._created)
            logger.debug("%s: re-created dictionary %s as %s", locale, stale_id, remote["id"])
            return remote["id"]


async def sync_dictionaries(
    client: WavesClient,
    lexicons: Mapping[str, Lexicon],
    lock_path: Path,
    *,
    complete: bool = False,
) -> dict[str, str]:
    """Bring remote dictionaries in line with the files; locale -> id, recorded in the lock."""
    return await DictionarySync(client, lexicons, lock_path).sync(complete=complete)


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


@dataclass(frozen=True)
class PrunePlan:
    """What `dicts prune` may delete: dictionaries this project created that no locale uses."""

    doomed: list[str]
    kept_foreign: int  # on the account, not created by this project: never touched


async def plan_prune(client: WavesClient, lock_path: Path) -> PrunePlan:
    """The dictionaries this project created (per the lock file) and no longer references."""
    lock = load_lock(lock_path)
    if lock is None:
        raise UsageError(
            f"no {lock_path.name} beside {lock_path.parent / 'prompts.toml'}: prune deletes only "
            "dictionaries this project created, which the lock file records; nothing was deleted"
        )
    keep = {entry["id"] for entry in lock.entries.values()}
    remote = {d["id"] for d in await client.list_dicts()}
    doomed = sorted((lock.created - keep) & remote)
    return PrunePlan(doomed, len(remote - lock.created))


async def prune(client: WavesClient, lock_path: Path, *, dry_run: bool) -> list[str]:
    """Delete the dictionaries `plan_prune` names (unless dry_run); the ids (to be) deleted.

    The lock file forgets each deleted id, so a later prune does not try it again.
    """
    plan = await plan_prune(client, lock_path)
    if dry_run or not plan.doomed:
        return plan.doomed
    lock = load_lock(lock_path) or Lock()
    for dict_id in plan.doomed:
        try:
            await client.delete_dict(dict_id)
        except EngineError as exc:
            if not _forgotten(exc):
                raise
        lock.created.discard(dict_id)
        logger.debug("deleted dictionary %s", dict_id)
    write_lock(lock_path, lock.entries, lock.created)
    return plan.doomed


def _forgotten(exc: EngineError) -> bool:
    """Waves does not know the dictionary: 400 "Invalid input data", or 404 on PUT/DELETE."""
    return is_unknown_dictionary(exc) or exc.status == 404
