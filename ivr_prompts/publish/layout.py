"""The files and transcript indexes of a set (each target door says its own), and the bytes of
each published file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import audio
from ..config import Config, LocaleConfig
from ..export import hd
from ..kinds import FileFormat, Target
from . import targets
from .manifest import FINGERPRINT, INDEX, MANIFEST


@dataclass(frozen=True, slots=True)
class PlannedFile:
    path: str  # relative to the output folder, with "/" separators
    target: Target
    format: FileFormat


def planned_files(config: Config, prompt_id: str, locale: LocaleConfig) -> list[PlannedFile]:
    """Every file one prompt x locale publishes, per the configured targets and codecs."""
    return [
        PlannedFile(path, target.name, fmt)
        for target in targets.doors(config)
        for path, fmt in target.files(config, prompt_id, locale)
    ]


def encode_file(pcm: npt.NDArray[np.int16], fmt: FileFormat) -> bytes:
    """The bytes of one published file (HD formats take the 16 kHz samples)."""
    if fmt in hd.HD_FORMATS or fmt == "sln":
        return hd.encode(pcm, fmt)
    if fmt == "pcm16-wav":
        return audio.pcm16_wav_bytes(pcm)
    if fmt in ("ulaw", "alaw"):
        return audio.raw_bytes(pcm, fmt)
    return audio.g711_wav_bytes(pcm, "ulaw" if fmt == "ulaw-wav" else "alaw")


def index_files(config: Config, records: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The transcript index of each target and locale: relative path -> text.

    `records` are the manifest's records in its order; only their id, locale and text are read.
    """
    out: dict[str, str] = {}
    for target in targets.doors(config):
        out.update(target.indexes(config, records))
    return out


def index_paths(config: Config, locale: LocaleConfig) -> set[str]:
    """Every file besides its prompts that a locale's published set may hold: the paths
    `index_files` writes for it, and the set's own manifest, stat index and fingerprint."""
    paths = {MANIFEST, INDEX, FINGERPRINT}
    for target in targets.doors(config):
        paths |= target.index_paths(config, locale)
    return paths
