"""The before-image: what a build replaced, kept small for the review page.

It is the previous manifest plus one audio file of every prompt x locale whose audio changed or
went away, at the same relative paths as in the published set, in a folder beside the output
(`.dist.before/` for `dist/`). So `review` reads it exactly like any published folder.

This module imports nothing of ours: the build calls it at its swap point without a cycle.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"

# Which published file is "the audio as the caller hears it", best first: raw G.711 (what the
# switch plays, one byte per sample), G.711 WAV, then 16-bit PCM WAV.
_PREFERENCE = ("ulaw", "alaw", "ulaw-wav", "alaw-wav", "pcm16-wav")


def before_dir(out_dir: Path) -> Path:
    """Where the before-image of the set published in `out_dir` is kept."""
    out_dir = Path(out_dir).resolve()
    return out_dir.parent / f".{out_dir.name}.before"


def audio_file(record: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The one published file of a record that the review plays (see _PREFERENCE), or None."""
    files: Sequence[Mapping[str, Any]] = record.get("files", [])
    for fmt in _PREFERENCE:
        for f in files:
            if f.get("format") == fmt:
                return f
    return None


def keep_before_image(
    out_dir: Path,
    previous_dir: Path,
    new_records: Iterable[Mapping[str, Any]],
    previous_records: Iterable[Mapping[str, Any]] | None = None,
) -> Path | None:
    """Keep the manifest of the set in `previous_dir` (the one just replaced) and the audio of
    its changed and removed prompts as the before-image of `out_dir`; return its folder.

    `new_records` are the records of the set now published; they are read only when there is
    a replaced set to compare them with. `previous_records` are the replaced set's, one at a
    time, when the caller reads them so (its manifest is then not parsed whole: 550 MB of
    objects for 100,000 pairs); None: read from `previous_dir`.

    Called after the swap, while `previous_dir` still holds the old set. When there was no
    previous set, any older before-image is removed (it no longer describes what was replaced).
    The new set is already published: a failure here is logged, never raised (None).
    """
    try:
        return _keep(Path(out_dir), Path(previous_dir), new_records, previous_records)
    except OSError as exc:
        log.warning("could not keep the replaced set for `review` (%s)", exc)
        return None


def _keep(
    out_dir: Path,
    previous_dir: Path,
    new_records: Iterable[Mapping[str, Any]],
    previous_records: Iterable[Mapping[str, Any]] | None,
) -> Path:
    target = before_dir(out_dir)
    if previous_records is None:
        previous_records = _read_records(previous_dir)
    if previous_records is None:
        shutil.rmtree(target, ignore_errors=True)
        return target
    new_files = {(r["id"], r["locale"]): _sha256(audio_file(r)) for r in new_records}
    temp = target.parent / f"{target.name}-{uuid.uuid4().hex[:12]}"
    temp.mkdir()
    try:
        kept = 0
        for record in previous_records:
            old = audio_file(record)
            if old is None:
                continue
            new = new_files.get((record.get("id"), record.get("locale")))
            if new is not None and new == old.get("sha256"):
                continue
            rel = str(old.get("path", ""))
            if rel.startswith("/") or ".." in rel.split("/"):
                continue  # not a path inside the set: never copy from outside it
            _link_or_copy(previous_dir / rel, temp / rel)
            kept += 1
        shutil.copyfile(previous_dir / MANIFEST, temp / MANIFEST)
        _replace_dir(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    log.info("kept the replaced set's manifest and %d changed clips in %s", kept, target)
    return target


def _read_records(folder: Path) -> list[Mapping[str, Any]] | None:
    """The records of the manifest in `folder`, or None when there is none to read."""
    try:
        previous = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(previous, dict) or not isinstance(previous.get("prompts"), list):
        return None
    records: list[Mapping[str, Any]] = previous["prompts"]
    return records


def _sha256(file: Mapping[str, Any] | None) -> str | None:
    return None if file is None else file.get("sha256")


def _link_or_copy(src: Path, dest: Path) -> None:
    if not src.is_file():
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def _replace_dir(new: Path, target: Path) -> None:
    """Put `new` at `target`; the old before-image goes aside first, then away."""
    aside = target.parent / f"{target.name}-old-{uuid.uuid4().hex[:12]}"
    if target.exists():
        os.rename(target, aside)
    os.rename(new, target)
    shutil.rmtree(aside, ignore_errors=True)
