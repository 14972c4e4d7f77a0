"""Layouts (Asterisk, FreeSWITCH, contact-center WAV), manifest, indexes; staged, then swapped."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, cast
from xml.sax.saxutils import quoteattr

import numpy as np
import numpy.typing as npt

from . import __version__, audio
from .config import Config, LocaleConfig
from .errors import UsageError
from .export import genesys
from .export.asterisk import plain_locales
from .kinds import FileFormat, Target

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "ivr-prompts-manifest"
MANIFEST_VERSION = 1


class FileRecord(TypedDict):
    path: str
    target: str
    format: str
    bytes: int
    sha256: str


class PromptRecord(TypedDict):
    id: str
    locale: str
    language: str
    text: str
    spoken_text: str
    source: str
    engine: str
    voice: str
    model: str
    speed: float
    synth_key: str
    cache_key: str
    duration_s: float
    level_dbov: float
    peak_dbfs: float
    request_id: str
    checks: str
    files: list[FileRecord]


class Manifest(TypedDict):
    format: str
    version: int
    tool: str
    project: str
    prompts: list[PromptRecord]


@dataclass(frozen=True)
class PlannedFile:
    path: str  # relative to the output folder, with "/" separators
    target: Target
    format: FileFormat


def asterisk_language(config: Config, locale: LocaleConfig) -> str:
    """Asterisk's language folder: 'en' when one locale speaks English, else 'en_US', 'en_GB'."""
    same = [c for c in config.locales.values() if c.language == locale.language]
    return locale.language if len(same) == 1 else locale.code.replace("-", "_")


def asterisk_folders(config: Config, locale: LocaleConfig) -> list[str]:
    """The locale's Asterisk folder, plus the plain language folder when it stands for it."""
    own = asterisk_language(config, locale)
    plain = plain_locales(config.locales, config.publish.asterisk_plain)
    return [own, locale.language] if plain.get(locale.language) == locale.code else [own]


def planned_files(config: Config, prompt_id: str, locale: LocaleConfig) -> list[PlannedFile]:
    """Every file one prompt x locale publishes, per the configured targets and codecs."""
    files: list[PlannedFile] = []
    codecs = config.audio.codecs
    for target in config.publish.targets:
        if target == "asterisk":
            for lang in asterisk_folders(config, locale):
                base = f"asterisk/{lang}/{prompt_id}"
                files.extend(PlannedFile(f"{base}.{codec}", target, codec) for codec in codecs)
                if config.publish.asterisk_wav:
                    files.append(PlannedFile(f"{base}.wav", target, "pcm16-wav"))
        elif target == "freeswitch":
            folder, _, name = prompt_id.rpartition("/")
            voice_dir = (
                f"freeswitch/{locale.language}/{locale.country}/{config.publish.freeswitch_voice}"
            )
            middle = f"{folder}/8000" if folder else "8000"
            files.append(PlannedFile(f"{voice_dir}/{middle}/{name}.wav", target, "pcm16-wav"))
        elif target == "genesys":
            planned = genesys.planned(config, prompt_id, locale)
            files.extend(PlannedFile(path, target, fmt) for path, fmt in planned)
        else:
            law = codecs[0]
            files.append(PlannedFile(f"wav/{locale.code}/{prompt_id}.wav", target, f"{law}-wav"))  # type: ignore[arg-type]
    return files


def encode_file(pcm: npt.NDArray[np.int16], fmt: FileFormat) -> bytes:
    """The bytes of one published file."""
    if fmt == "pcm16-wav":
        return audio.pcm16_wav_bytes(pcm)
    if fmt in ("ulaw", "alaw"):
        return audio.raw_bytes(pcm, fmt)
    return audio.g711_wav_bytes(pcm, "ulaw" if fmt == "ulaw-wav" else "alaw")


@dataclass
class PublishItem:
    """One prompt x locale to publish: its record and where its bytes come from."""

    record: PromptRecord
    files: list[PlannedFile]
    pcm: npt.NDArray[np.int16] | None  # None: reuse the files of the previous set


_RECORD_KEYS = frozenset(PromptRecord.__annotations__)
_FILE_KEYS = frozenset(FileRecord.__annotations__)


def read_manifest(out: Path) -> Manifest | None:
    """The published set's manifest, or None when there is none or it is not one of ours.

    A manifest edited into another shape counts as none: its set is rebuilt, never trusted.
    """
    path = out / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s is unreadable (%s); the set will be rebuilt", path, exc)
        return None
    if _well_formed(data):
        return cast(Manifest, data)
    log.warning("%s is not an ivr-prompts manifest of version %s", path, MANIFEST_VERSION)
    return None


def _well_formed(data: Any) -> bool:
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return False
    if data.get("version") != MANIFEST_VERSION or not isinstance(data.get("prompts"), list):
        return False
    for record in data["prompts"]:
        if not isinstance(record, dict) or not record.keys() >= _RECORD_KEYS:
            return False
        files = record.get("files")
        if not isinstance(files, list):
            return False
        for f in files:
            if not isinstance(f, dict) or not f.keys() >= _FILE_KEYS:
                return False
    return True


def manifest_bytes(manifest: Manifest) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode()


INDEX = ".ivr-prompts-index.json"


@dataclass(frozen=True)
class StatIndex:
    """Size, mtime and sha256 of each file as published (under `root`), and when that was
    recorded."""

    root: str
    entries: Mapping[str, list[Any]]
    written_ns: int


def file_problem(record: FileRecord, index: StatIndex) -> str | None:
    """Why a published file no longer holds the bytes the manifest lists, or None.

    Like git's index: a file whose size and mtime match what was seen at publish time is not
    read again, unless its mtime is not older than the index itself (an edit within the same
    clock tick would keep the mtime); any other file is hashed and compared with the manifest.
    """
    path = os.path.join(index.root, record["path"])  # not Path: runs for every published file
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "file is missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    seen = index.entries.get(record["path"])
    if seen == [st.st_size, st.st_mtime_ns, record["sha256"]] and st.st_mtime_ns < index.written_ns:
        return None
    if st.st_size != record["bytes"]:
        return "file differs from the manifest (edited or replaced by hand)"
    try:
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if digest != record["sha256"]:
        return "file differs from the manifest (edited or replaced by hand)"
    return None


def read_index(out: Path) -> StatIndex:
    """The stat index of a published set (a speed-up only: an unusable one means hash all)."""
    path = out / INDEX
    try:
        written = path.stat().st_mtime_ns
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return StatIndex(str(out), {}, 0)
    return StatIndex(str(out), data if isinstance(data, dict) else {}, written)


def intact(previous: Manifest | None, out: Path) -> dict[tuple[str, str], PromptRecord]:
    """Previous records whose files all still hold exactly the bytes the manifest lists."""
    if previous is None:
        return {}
    index = read_index(out)
    return {
        (r["id"], r["locale"]): r
        for r in previous["prompts"]
        if not any(file_problem(f, index) for f in r["files"])
    }


def new_manifest(config: Config, records: Sequence[PromptRecord]) -> Manifest:
    ordered = sorted(records, key=lambda r: (r["id"], r["locale"]))
    return Manifest(
        format=MANIFEST_FORMAT,
        version=MANIFEST_VERSION,
        tool=f"ivr-prompts {__version__}",
        project=config.project.name,
        prompts=list(ordered),
    )


def check_output(config: Config, manifest: Manifest | None) -> Path:
    """The output folder, refusing any whose replacement would destroy the user's files (or
    the cache); `manifest` is what read_manifest found there."""
    out = config.project.output.resolve()
    root = config.root.resolve()
    if out == root or out in root.parents:
        raise UsageError(
            f"{config.path.name}: project.output: {out} contains the project itself; "
            'choose a folder of its own such as "dist"'
        )
    if out.exists() and (not out.is_dir() or (manifest is None and any(out.iterdir()))):
        raise UsageError(
            f"{config.path.name}: project.output: {out} exists and was not made by ivr-prompts "
            f"(no valid {MANIFEST}); remove it or choose another folder"
        )
    cache = config.project.cache.resolve()
    if cache.exists() and not cache.is_dir():
        raise UsageError(
            f"{config.path.name}: project.cache: {cache} is a file; name a folder such as "
            '".ivr-cache"'
        )
    if cache == out or out in cache.parents:
        raise UsageError(
            f"{config.path.name}: project.cache: {cache} is inside project.output, which every "
            "build replaces; keep the cache outside it"
        )
    return out


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Serialise publishers of one output folder (two builds sharing it wait for each other)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lock = out.parent / f".{out.name}.lock"
    with open(lock, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Checks one pair's staged files; returns one line per problem (none: the pair may be published).
Validator = Callable[[Path, "PublishItem"], list[str]]


class Stager:
    """The next set, built in a folder beside the output while the build runs.

    Pairs are added (written, then checked) as soon as each is ready, from worker threads;
    `finish()` swaps the whole set in atomically. Leaving the `with` block without finishing
    removes the staging folder and leaves the published set exactly as it was.
    """

    def __init__(self, config: Config, validator: Validator | None = None) -> None:
        self.config = config
        self.out = config.project.output.resolve()
        self.validator = validator
        self.staging = self.out.parent / f".{self.out.name}.staging-{uuid.uuid4().hex[:12]}"
        self._records: list[PromptRecord] = []
        self._guard = threading.Lock()
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Stager:
        self._stack.enter_context(output_lock(self.out))
        _remove_stale(self.out)
        self.staging.mkdir()
        self._stack.callback(shutil.rmtree, self.staging, ignore_errors=True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def add(self, item: PublishItem) -> list[str]:
        """Write one pair's files (new, or linked from the published set) and check new ones."""
        item.record["files"] = _write_item(self.staging, self.out, item)
        # Reused files passed these very rules when made (the record's checks key says so).
        problems = (
            self.validator(self.staging, item)
            if self.validator is not None and item.pcm is not None
            else []
        )
        if not problems:
            with self._guard:
                self._records.append(item.record)
        return problems

    def finish(self) -> Manifest:
        """Write the manifest and indexes, then swap the staged set in."""
        manifest = new_manifest(self.config, self._records)
        _write_indexes(self.config, self.staging, manifest)
        _write_stat_index(self.staging, manifest)
        (self.staging / MANIFEST).write_bytes(manifest_bytes(manifest))
        _fsync_tree(self.staging)
        _swap(self.staging, self.out)  # the staging path now holds the previous set
        return manifest


def _write_item(staging: Path, out: Path, item: PublishItem) -> list[FileRecord]:
    previous = {f["path"]: f for f in item.record.get("files", [])}
    records: list[FileRecord] = []
    for planned in item.files:
        if planned.path.startswith("/") or ".." in planned.path.split("/"):
            raise UsageError(f"refusing to write outside the output folder: {planned.path}")
        dest = staging / planned.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        if item.pcm is None:
            old = previous[planned.path]
            _link_or_copy(out / planned.path, dest)
            records.append(old)
            continue
        data = encode_file(item.pcm, planned.format)
        dest.write_bytes(data)
        records.append(
            FileRecord(
                path=planned.path,
                target=planned.target,
                format=planned.format,
                bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        )
    return records


def _write_stat_index(staging: Path, manifest: Manifest) -> None:
    index: dict[str, list[Any]] = {}
    for record in manifest["prompts"]:
        for f in record["files"]:
            st = (staging / f["path"]).stat()
            index[f["path"]] = [st.st_size, st.st_mtime_ns, f["sha256"]]
    (staging / INDEX).write_text(json.dumps(index, separators=(",", ":")), encoding="utf-8")


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def _remove_stale(out: Path) -> None:
    """Staging folders left by a killed build (we hold the output lock, so none is live)."""
    for stale in out.parent.glob(f".{out.name}.staging-*"):
        log.info("removing %s left by an interrupted build", stale)
        shutil.rmtree(stale, ignore_errors=True)


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap(staging: Path, out: Path) -> None:
    """Atomically exchange staging and out (renameat2), else two renames; staging ends up old."""
    if not out.exists():
        os.rename(staging, out)
        staging.mkdir()
        return
    if _renameat2_exchange(staging, out):
        return
    aside = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:12]}"
    os.rename(out, aside)
    os.rename(staging, out)
    os.rename(aside, staging)


def _renameat2_exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    func = getattr(libc, "renameat2", None)
    if func is None:
        return False
    result = func(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _write_indexes(config: Config, staging: Path, manifest: Manifest) -> None:
    if "genesys" in config.publish.targets:
        for path, text in genesys.index_files(config, manifest["prompts"]).items():
            _write_text(staging / path, text.rstrip("\n"))
    by_locale: dict[str, list[PromptRecord]] = {}
    for record in manifest["prompts"]:
        by_locale.setdefault(record["locale"], []).append(record)
    for code, records in by_locale.items():
        locale = config.locales[code]
        if "asterisk" in config.publish.targets:
            lines = [f"; {config.project.name}: transcripts of the {code} prompts (ivr-prompts)"]
            lines += [f"{r['id']}: {r['text']}" for r in records]
            for lang in asterisk_folders(config, locale):
                _write_text(staging / f"asterisk/{lang}/core-sounds-{lang}.txt", "\n".join(lines))
        if "freeswitch" in config.publish.targets:
            _write_text(
                staging
                / f"freeswitch/{locale.language}/{locale.country}/{config.publish.freeswitch_voice}"
                / f"phrase_{locale.language}.xml",
                _phrase_xml(locale, records),
            )
        if "wav" in config.publish.targets:
            rows = ["file\tid\ttext"]
            rows += [f"{r['id']}.wav\t{r['id']}\t{r['text']}" for r in records]
            _write_text(staging / f"wav/{code}/index.tsv", "\n".join(rows))


def _phrase_xml(locale: LocaleConfig, records: Sequence[PromptRecord]) -> str:
    categories: dict[str, list[PromptRecord]] = {}
    for record in records:
        folder, _, _ = record["id"].rpartition("/")
        categories.setdefault(folder, []).append(record)
    lines = ["<include>", f"  <language name={quoteattr(locale.language)}>"]
    for folder, items in categories.items():
        lines.append(f"    <category name={quoteattr(folder or 'root')}>")
        for record in items:
            name = record["id"].rpartition("/")[2]
            phrase, filename = quoteattr(record["text"]), quoteattr(f"{name}.wav")
            lines.append(f"      <prompt phrase={phrase} filename={filename}/>")
        lines.append("    </category>")
    lines += ["  </language>", "</include>"]
    return "\n".join(lines)


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
