"""The Engine for Waves: split long text, synthesize each piece, join them with a pause."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Awaitable, Callable, Mapping

import httpx
import numpy as np

from ... import secrets
from ...config import Config
from ...errors import EngineError, EngineUnavailable
from ...flow.usage import Usage
from ...kinds import ResolvedEngine
from ..base import Synthesis, SynthesisRequest
from .client import Sleep, WavesClient
from .errors import is_unknown_dictionary
from .identity import waves_identity
from .routes import api_key_from_env
from .shapes import AudioArray, TtsBody
from .text import piece_request_id, split_text

DEFAULT_PAUSE_MS = 250

DictionaryRefresher = Callable[[str], Awaitable[str | None]]


class WavesEngine:
    """The Engine for Waves: splits long text, synthesizes each piece, joins them with a pause."""

    name: ResolvedEngine = "waves"
    remote_lexicon: bool = True

    def __init__(
        self,
        client: WavesClient,
        *,
        pause_ms: int = DEFAULT_PAUSE_MS,
        dictionary_refresher: DictionaryRefresher | None = None,
    ) -> None:
        self.client = client
        self.settings = client.settings
        self.max_concurrency = client.settings.concurrency
        self.pause_ms = pause_ms
        # Set by dicts.attach_dictionaries: re-creates a dictionary the server forgot.
        self.dictionary_refresher = dictionary_refresher
        self._replaced: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"WavesEngine({self.client!r})"

    @property
    def usage(self) -> Usage:
        """What this build asked of Waves: requests, characters billed, retries by status."""
        return self.client.usage

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        """Fields that change the audio; never the key or the base URL."""
        return waves_identity(self.settings, request_voice, model, self.pause_ms)

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        """Speak one request piece by piece; raise EngineError on failure.

        The build names the prompt of an EngineError; an EngineUnavailable stops the build
        unnamed, so this names the prompt in that one.
        """
        carried = (request.text, request.voice, request.language, request.model)
        if any(secrets.contains_secret(value) for value in carried):
            raise EngineError(
                "the text or voice to send holds the Waves API key; remove it from the "
                "template, variables or dictionary (the key belongs in the environment only)"
            )
        pieces = split_text(request.text, self.settings.max_chars)
        if not pieces:
            raise EngineError("nothing to say")
        audio: list[AudioArray] = []
        ids: list[str] = []
        rate = self.settings.sample_rate
        for index, piece in enumerate(pieces):
            try:
                samples, rate_i, rid = await self._piece(request, piece, index)
            except EngineUnavailable as exc:
                # The build names a failed prompt itself, but stops on these without naming it.
                exc.message = f"{request.prompt_id} [{request.locale}]: {exc.message}"
                exc.args = (exc.message,)
                raise
            if index and rate_i != rate:
                raise EngineError(
                    f"Waves answered pieces at {rate} and {rate_i} Hz",
                    request_id=rid,
                )
            rate = rate_i
            if index:
                audio.append(np.zeros(rate * self.pause_ms // 1000, dtype=np.float32))
            audio.append(samples)
            if rid:
                ids.append(rid)
        samples_all = np.concatenate(audio) if len(audio) > 1 else audio[0]
        meta = {
            "engine": "waves",
            "request_id": ",".join(ids),
            "model": request.model,
            "voice": request.voice,
            "pieces": str(len(pieces)),
        }
        return Synthesis(
            samples=samples_all.astype(np.float32, copy=False), sample_rate=rate, meta=meta
        )

    async def _piece(
        self, request: SynthesisRequest, text: str, index: int
    ) -> tuple[AudioArray, int, str | None]:
        body: TtsBody = {
            "text": text,
            "voice_id": request.voice,
            "model": request.model,
            "sample_rate": self.settings.sample_rate,
            "speed": request.speed,
            "language": request.language,
            "output_format": self.settings.output_format,
            "request_id": piece_request_id(request.cache_key, index),
        }
        dict_ids = [self._replaced.get(d, d) for d in request.pronunciation_dicts]
        if dict_ids:
            body["pronunciation_dicts"] = dict_ids
        try:
            result = await self.client.tts(body)
        except EngineError as exc:
            if not (dict_ids and is_unknown_dictionary(exc)):
                raise
            fresh = await self._refresh(dict_ids)
            if fresh is None:
                raise EngineError(
                    f"Waves does not know pronunciation dictionary {', '.join(dict_ids)} "
                    f"({exc.message}); run `ivr-prompts dicts sync`",
                    status=exc.status,
                    request_id=exc.request_id,
                ) from exc
            body["pronunciation_dicts"] = fresh
            result = await self.client.tts(body)
        return result.samples, result.sample_rate, result.request_id

    async def _refresh(self, dict_ids: list[str]) -> list[str] | None:
        if self.dictionary_refresher is None:
            return None
        fresh: list[str] = []
        for old in dict_ids:
            new = await self.dictionary_refresher(old)
            if new is None:
                return None
            self._replaced[old] = new
            fresh.append(new)
        return fresh

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()


def make_waves_engine(
    config: Config,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
    environ: Mapping[str, str] = os.environ,
    rng: random.Random | None = None,
) -> WavesEngine:
    """A WavesEngine for a build; key from the environment, pauses from audio.sentence_pause_ms."""
    settings = config.waves
    client = WavesClient(
        settings,
        api_key_from_env(settings, environ),
        transport=transport,
        sleep=sleep,
        rng=rng,
        environ=environ,
    )
    return WavesEngine(client, pause_ms=config.audio.sentence_pause_ms)
