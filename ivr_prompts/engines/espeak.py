"""espeak-ng through its command line: fast, deterministic, about a hundred languages."""

from __future__ import annotations

import asyncio
import functools
import shutil
import struct
import subprocess

import numpy as np

from ..errors import EngineError, EngineUnavailable
from .base import SynthesisRequest, Synthesis

INSTALL_HINT = "install it with: apt-get install espeak-ng"
_WORDS_PER_MINUTE = 165

# Where espeak-ng's voice name differs from "<language>-<region>" in lower case.
_REGIONAL = {"es-us": "es-419", "es-mx": "es-419", "en-au": "en-gb", "en-ca": "en-us"}


def default_voice(locale: str, language: str) -> str:
    """espeak-ng voice for a locale: a regional variant when espeak-ng has one, else the language."""
    code = locale.lower()
    if code in _REGIONAL:
        return _REGIONAL[code]
    if code in {"en-us", "en-gb", "pt-br", "pt-pt", "es-419", "fr-be", "fr-ch", "vi-vn"}:
        return code
    return language


@functools.cache
def _binary() -> str | None:
    return shutil.which("espeak-ng")


@functools.cache
def espeak_version() -> str:
    """The espeak-ng version line (part of the cache key: a new release changes the audio)."""
    binary = _binary()
    if binary is None:
        return "not-installed"
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.split("Data at")[0].strip()


class EspeakEngine:
    """Engine Protocol implementation that runs one espeak-ng process per request."""

    name = "espeak"
    remote_lexicon = False
    max_concurrency = 2

    def __init__(self) -> None:
        self.calls = 0

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        return {"engine": "espeak", "engine_version": espeak_version(), "voice": request_voice}

    def _speak(self, request: SynthesisRequest) -> Synthesis:
        binary = _binary()
        if binary is None:
            raise EngineUnavailable(f"espeak-ng is not installed; {INSTALL_HINT}")
        self.calls += 1
        wpm = str(round(_WORDS_PER_MINUTE * request.speed))
        # Text on stdin, so a prompt starting with "-" is never read as an option.
        proc = subprocess.run(
            [binary, "-v", request.voice, "-s", wpm, "--stdout"],
            input=request.text.encode(),
            capture_output=True,
            check=False,
        )
        if proc.returncode != 0 or not proc.stdout:
            detail = proc.stderr.decode(errors="replace").strip().splitlines()
            raise EngineError(
                f"espeak-ng failed for voice {request.voice!r}: "
                f"{detail[-1] if detail else f'exit {proc.returncode}'}; "
                "list voices with: espeak-ng --voices"
            )
        return _read_wav(proc.stdout, request.voice)

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        return await asyncio.to_thread(self._speak, request)

    async def aclose(self) -> None:
        return None


def _read_wav(blob: bytes, voice: str) -> Synthesis:
    # espeak-ng writes its streamed header with placeholder sizes; the data runs to the end.
    data_at = blob.find(b"data")
    if not blob.startswith(b"RIFF") or data_at < 0:
        raise EngineError(f"espeak-ng returned no WAV audio for voice {voice!r}")
    (rate,) = struct.unpack_from("<I", blob, 24)  # fmt chunk directly after "WAVE"
    pcm = np.frombuffer(blob[data_at + 8 :][: (len(blob) - data_at - 8) // 2 * 2], dtype="<i2")
    samples = (pcm.astype(np.float32) / 32768.0).astype(np.float32)
    return Synthesis(samples, rate, {"voice": voice})
