"""espeak-ng, in-process through the library the espeakng-loader wheel ships: fast, deterministic,
about a hundred languages, and nothing to install beyond pip."""

from __future__ import annotations

import asyncio
import ctypes
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..errors import EngineError, EngineUnavailable
from ..kinds import ResolvedEngine
from ..text.lexicon import Lexicon
from .base import Synthesis, SynthesisRequest
from .local import INSTALL_HINT, available, espeak_identity, espeak_voice_id

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_WORDS_PER_MINUTE = 165

# espeak-ng's speak_lib.h constants.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1

_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Library:
    """The process-wide espeak-ng library: it keeps global state, so every call holds the lock."""

    _instance: _Library | None = None
    _guard = threading.Lock()

    def __init__(self) -> None:
        import espeakng_loader

        lib = ctypes.CDLL(str(espeakng_loader.get_library_path()))
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        data = str(espeakng_loader.get_data_path()).encode()
        self.rate = int(lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0))
        if self.rate <= 0:
            raise EngineUnavailable(f"espeak-ng failed to start; reinstall it: {INSTALL_HINT}")
        self.lib = lib
        self.chunks: list[bytes] = []  # 16-bit native-endian samples
        # Kept on self: ctypes must not free the callback while the library holds it.
        self.callback = _Callback(self._collect)
        lib.espeak_SetSynthCallback(self.callback)

    def _collect(self, wav: Any, count: int, events: Any) -> int:
        if count > 0:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    @classmethod
    def get(cls) -> _Library:
        with cls._guard:
            if cls._instance is None:
                if not available():
                    raise EngineUnavailable(f"espeak-ng is not installed; {INSTALL_HINT}")
                cls._instance = cls()
            return cls._instance

    def speak(self, text: str, voice: str, words_per_minute: int) -> npt.NDArray[np.float32]:
        """Mono float32 samples in [-1, 1) at `self.rate`."""
        with self._guard:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise EngineError(
                    f"espeak-ng has no voice {voice!r}; set espeak_voice to one of "
                    "its voices (e.g. en-us, es-419, hi, ta)"
                )
            self.lib.espeak_SetParameter(_PARAM_RATE, words_per_minute, 0)
            self.chunks = []
            blob = text.encode()
            status = self.lib.espeak_Synth(
                blob, len(blob) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            chunks, self.chunks = self.chunks, []
        if status != 0 or not chunks:
            raise EngineError(f"espeak-ng produced no audio (status {status}) for {text!r}")
        import numpy as np  # here, where audio is made: naming voices stays light

        pcm = np.frombuffer(b"".join(chunks), dtype=np.int16)
        return (pcm.astype(np.float32) / 32768.0).astype(np.float32)


def speak(text: str, voice: str, speed: float = 1.0) -> Synthesis:
    """espeak-ng's rendering of `text`, now, in this thread: `voice` as `espeak-ng --voices`
    lists it (a language such as "en-gb", a file such as "gmw/en", "+variant" allowed)."""
    library = _Library.get()
    words_per_minute = round(_WORDS_PER_MINUTE * speed)
    samples = library.speak(text, espeak_voice_id(voice), words_per_minute)
    return Synthesis(samples, library.rate, {"voice": voice})


class EspeakEngine:
    """Engine Protocol implementation for espeak-ng; the library loads on first use."""

    name: ResolvedEngine = "espeak"
    remote_lexicon = False
    max_concurrency = 1  # the library is single-threaded; it runs far faster than real time

    def __init__(self) -> None:
        self.calls = 0

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        return espeak_identity(request_voice)

    def _speak(self, request: SynthesisRequest) -> Synthesis:
        self.calls += 1
        return speak(request.text, request.voice, request.speed)

    async def prepare(self, config: Config, lexicons: Mapping[str, Lexicon]) -> dict[str, str]:
        return {}  # dictionaries are applied to the text before it gets here

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        return await asyncio.to_thread(self._speak, request)

    async def aclose(self) -> None:
        return None
