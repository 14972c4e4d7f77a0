"""The published set's records as a build or a check reads them: each kept as where its bytes
lie in the manifest, and parsed only when asked.

A set of 100,000 pairs has a manifest of about 180 MB; parsed whole it is 550-580 MB of Python
objects, and re-encoding its records with indent is most of a rebuild's time. Here the manifest
is read once, a record at a time (each is parsed to check its shape, then dropped); a record is
parsed again when a caller asks for it, and a kept record is published again by copying its
bytes (they are what `record_json` writes: see `manifest.write_manifest`).
"""

from __future__ import annotations

import json
import logging
import os
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from ..versions import MANIFEST_VERSION
from .manifest import (
    MANIFEST,
    PromptRecord,
    read_manifest,
    record_json,
    well_formed_head,
    well_formed_record,
)

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (id, locale)

_CHUNK = 1 << 20
_OPEN = b'"prompts": [\n'  # as manifest_bytes writes the list, before the first record
_START = b"    {\n"  # a record opens at the list's indent...
_END = b"\n    }"  # ...and closes there; nothing inside a record is at that indent


class PreviousSet(Mapping[Key, PromptRecord]):
    """The records of a published manifest by (id, locale), parsed one at a time when asked.

    Reads the manifest file it was opened on (a descriptor held open): a set swapped in since
    does not change what it holds.
    """

    def __init__(self, head: Mapping[str, Any], source: _Source) -> None:
        self.head = dict(head)  # the manifest without its prompts
        self._source = source
        self._where: dict[Key, int] = {}  # key -> its entry (the last, as a dict would keep)
        for n, (key, *_) in enumerate(source.entries):
            self._where[key] = n

    def __getitem__(self, key: Key) -> PromptRecord:
        return self._source.record(self._where[key])

    def __iter__(self) -> Iterator[Key]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def blob(self, key: Key) -> bytes:
        """The record as `record_json` writes it (its bytes in the manifest, without the
        nesting indent)."""
        return self._source.blob(self._where[key])

    def records(self) -> Iterator[PromptRecord]:
        """Every record in manifest order, parsed one at a time (a key listed twice, twice)."""
        for n in range(len(self._source.entries)):
            yield self._source.record(n)

    def listed(self) -> Iterator[tuple[PromptRecord, bool]]:
        """Every record in manifest order, parsed one at a time, and whether it is the one
        its key finds (a manifest edited by hand may list a key twice: the last is found)."""
        for n, (key, *_) in enumerate(self._source.entries):
            yield self._source.record(n), self._where[key] == n

    def same_as(self, head: Mapping[str, Any], keys: list[Key]) -> bool:
        """Whether the manifest of `head` with these records (of this set) would equal this
        manifest: `new_manifest(config, [self[k] for k in keys]) == manifest`, without parsing."""
        if self.head != {k: v for k, v in head.items() if k != "prompts"}:
            return False
        order = [key for key, *_ in self._source.entries]
        return len(order) == len(keys) and order == sorted(keys)


class _Source:
    """Where each record of one manifest file lies: (key, offset, length) in file order."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.entries: list[tuple[Key, int, int]] = []
        self._finalizer = weakref.finalize(self, os.close, fd)
        self.parsed: list[PromptRecord] | None = None  # a manifest not in our layout

    def blob(self, n: int) -> bytes:
        if self.parsed is not None:
            return record_json(self.parsed[n])
        _, offset, length = self.entries[n]
        return _dedent(os.pread(self.fd, length, offset))

    def record(self, n: int) -> PromptRecord:
        if self.parsed is not None:
            return self.parsed[n]
        _, offset, length = self.entries[n]
        return cast(PromptRecord, json.loads(os.pread(self.fd, length, offset)))


def read_previous(out: Path) -> PreviousSet | None:
    """The published set's records, or None when there is none or its manifest is not one of
    ours (exactly when read_manifest says None)."""
    path = out / MANIFEST
    try:
        source = _Source(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
        head, source.entries = _scan(source.fd)
    except FileNotFoundError:
        return None
    except _NotOurLayout:
        return _parsed(out, source)
    except OSError as exc:
        log.warning("%s is unreadable (%s)", path, exc)
        return None
    if head is None:
        log.warning("%s is not an ivr-prompts manifest of version %s", path, MANIFEST_VERSION)
        return None
    return PreviousSet(head, source)


def _parsed(out: Path, source: _Source) -> PreviousSet | None:
    """A manifest written by someone else (or by hand), read the usual way and kept parsed."""
    manifest = read_manifest(out)
    if manifest is None:
        return None
    source.parsed = manifest["prompts"]
    source.entries = [((r["id"], r["locale"]), 0, 0) for r in source.parsed]
    return PreviousSet({k: v for k, v in manifest.items() if k != "prompts"}, source)


class _NotOurLayout(Exception):
    """The manifest is not laid out as manifest_bytes writes it."""


class _Chunks:
    """A file read forward a chunk at a time; what lies behind the reader is dropped."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = b""
        self.base = 0  # the file offset of buf[0]

    def _more(self) -> bool:
        chunk = os.pread(self.fd, _CHUNK, self.base + len(self.buf))
        self.buf += chunk
        return bool(chunk)

    def find(self, needle: bytes, pos: int) -> int:
        """Where `needle` next occurs from `pos` (reading on as needed)."""
        while (found := self.buf.find(needle, pos)) < 0:
            if not self._more():
                raise _NotOurLayout
        return found

    def at(self, pos: int, size: int) -> bytes:
        """The `size` bytes at `pos` (fewer at the end of the file)."""
        while len(self.buf) - pos < size and self._more():
            pass
        return self.buf[pos : pos + size]

    def drop(self, pos: int) -> int:
        """Forget what lies before `pos`; return where `pos` is now."""
        if pos < _CHUNK:
            return pos
        self.buf, self.base = self.buf[pos:], self.base + pos
        return 0

    def rest(self, pos: int) -> bytes:
        while self._more():
            pass
        return self.buf[pos:]


def _scan(fd: int) -> tuple[dict[str, Any] | None, list[tuple[Key, int, int]]]:
    """The manifest's head (None if it is not ours) and where each record lies, read in chunks;
    each record is parsed once, to check its shape, and dropped."""
    chunks = _Chunks(fd)
    cut = chunks.find(_OPEN, 0)
    head = _json(chunks.buf[:cut] + b'"prompts": []\n}')
    if not well_formed_head(head):
        return None, []
    del head["prompts"]
    entries: list[tuple[Key, int, int]] = []
    pos = cut + len(_OPEN)
    while chunks.at(pos, len(_START)) == _START:
        end = chunks.find(_END, pos) + len(_END)
        record = _json(chunks.buf[pos:end])
        if not well_formed_record(record):
            return None, []
        entries.append(((record["id"], record["locale"]), chunks.base + pos, end - pos))
        if chunks.at(end, 2) != b",\n":
            pos = end
            break
        pos = chunks.drop(end + 2)
    # An empty set is read the usual way.
    if not entries or chunks.rest(pos) != b"\n  ]\n}\n":
        raise _NotOurLayout
    return head, entries


def _json(blob: bytes) -> Any:
    try:
        return json.loads(blob)
    except ValueError as exc:
        raise _NotOurLayout from exc


def _dedent(blob: bytes) -> bytes:
    """A record's bytes in the manifest, as record_json writes them (one indent less)."""
    return blob[4:].replace(b"\n    ", b"\n")
