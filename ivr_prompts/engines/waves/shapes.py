"""The JSON shapes Waves sends and receives, and one synthesis result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import numpy as np
import numpy.typing as npt

from ...errors import EngineError
from ...kinds import WavesFormat

AudioArray = npt.NDArray[np.float32]


class TtsBody(TypedDict):
    """The JSON body of POST /waves/v1/tts and /waves/v1/tts/live."""

    text: str
    voice_id: str
    model: str
    sample_rate: int
    speed: float
    language: str
    output_format: WavesFormat
    request_id: str
    pronunciation_dicts: NotRequired[list[str]]


class DictItem(TypedDict):
    """One pronunciation dictionary entry as Waves stores it."""

    word: str
    pronunciation: str


class RemoteDict(TypedDict):
    """A pronunciation dictionary as GET/POST/PUT return it."""

    id: str
    items: list[DictItem]
    createdAt: NotRequired[str]


class VoiceTags(TypedDict, total=False):
    """The free-form tags of a catalog voice; any of them may be missing."""

    language: list[str]
    accent: str
    gender: str
    age: str


class VoiceJson(TypedDict):
    """One voice of GET /waves/v1/lightning-v3.1/get_voices."""

    voiceId: str
    displayName: NotRequired[str]
    tags: NotRequired[VoiceTags]


@dataclass(frozen=True)
class TtsResult:
    """One synthesis: the raw body, its decoded samples and the ids the server gave it."""

    audio: bytes
    samples: AudioArray
    sample_rate: int
    request_id: str | None
    external_request_id: str | None


def remote_dict(data: Any) -> RemoteDict:
    """A RemoteDict from a JSON answer; raises EngineError when it has no id."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise EngineError("Waves pronunciation dictionary answer has no id")
    items = data.get("items")
    out: RemoteDict = {"id": data["id"], "items": items if isinstance(items, list) else []}
    if isinstance(data.get("createdAt"), str):
        out["createdAt"] = data["createdAt"]
    return out
