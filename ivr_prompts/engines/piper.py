"""Piper neural TTS, embedded and offline. The voice model loads once, on first use."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import EngineError, EngineUnavailable
from ..kinds import ResolvedEngine
from ..text.lexicon import Lexicon
from .base import Synthesis, SynthesisRequest
from .local import INSTALL_HINT, PiperVoiceFile, piper_available, piper_identity, voice_file

log = logging.getLogger(__name__)


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
        return voice_file(voice)

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        return piper_identity(request_voice, self.sentence_pause_ms)

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
        import numpy as np  # here, where audio is made: naming voices stays light
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
    """A Piper voice with its onnxruntime session; EngineUnavailable naming the file when it
    cannot be loaded (a damaged download, or not a Piper voice)."""
    try:
        return _open(voice, threads)
    except Exception as exc:  # onnxruntime and piper raise their own types, all Exceptions
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EngineUnavailable(
            f"piper voice {voice.model} cannot be loaded ({type(exc).__name__}: {reason}); "
            "the file is damaged or not a Piper voice: install it again, or set "
            "synth.piper_voice to a working .onnx voice (with its .onnx.json beside it)"
        ) from None


def _open(voice: PiperVoiceFile, threads: int | None) -> Any:
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
