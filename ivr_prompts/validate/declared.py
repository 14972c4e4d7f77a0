"""Files a published set declares as non-speech (kind = "silence" in its manifest.json).

`validate dist` reads the manifest of the set it is given (or of the set a given file lies in):
a file declared as N seconds of silence is checked as exactly that (and not by the level, edge
and "no sound" rules, which it fails by design); every other file, as before.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..flow.nonspeech import check
from .checks import Finding

MANIFEST = "manifest.json"
# Bigger than any manifest of 100,000 records: anything larger is not ours and is not read.
_MAX_MANIFEST_BYTES = 1 << 30


def declared_silence(paths: Sequence[Path]) -> dict[Path, float]:
    """Resolved file path -> seconds, for every silence prompt of the sets holding `paths`."""
    out: dict[Path, float] = {}
    seen: set[Path] = set()
    for path in paths:
        start = path.resolve()
        for folder in (start, *start.parents):
            manifest = folder / MANIFEST
            if folder in seen or not manifest.is_file():
                continue
            seen.add(folder)
            out.update(_silence_of(folder, manifest))
            break
    return out


def _silence_of(root: Path, manifest: Path) -> dict[Path, float]:
    try:
        if manifest.stat().st_size > _MAX_MANIFEST_BYTES:
            return {}
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    records = data.get("prompts") if isinstance(data, dict) else None
    out: dict[Path, float] = {}
    for record in records if isinstance(records, list) else []:
        if not isinstance(record, dict) or record.get("kind") != "silence":
            continue
        seconds = record.get("duration_s")
        for file in record.get("files") or []:
            if isinstance(file, dict) and isinstance(seconds, (int, float)):
                out[(root / str(file.get("path"))).resolve()] = float(seconds)
    return out


def silence_findings(
    path: Path, pcm: npt.NDArray[np.int16], rate: int, seconds: float
) -> list[Finding]:
    """The problems of a file declared as `seconds` of silence."""
    return [Finding(str(path), "silence", "error", m) for m in check(pcm, rate, seconds)]
