"""Speech or not: real speech from the local engines passes; noise, tones, silence are refused."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import numpy as np
import pytest

from ivr_prompts.audio import g711
from ivr_prompts.audio.speech import SpeechKind, classify
from ivr_prompts.engines.base import SynthesisRequest
from ivr_prompts.engines.espeak import EspeakEngine
from ivr_prompts.engines.local import piper_available
from ivr_prompts.engines.piper import PiperEngine

from .audio_fixtures import FloatAudio, noise, silence, tone
from .conftest import Project
from .test_waves_build import KEY, WAVES_TOML, cli
from .waves_server import WavesServer

# Words that open on a fricative or a plosive, single digits, and a long menu: the shapes of
# prompt a classifier is most likely to get wrong.
EN_MENU = (
    "For your balance, press one. For recent payments, press two. To speak to an agent, "
    "press zero, or stay on the line."
)
TEXTS = {
    "en": (
        "six",
        "seven",
        "five",
        "Sorry, I did not get that.",
        "zero",
        "Fees may apply.",
        EN_MENU,
    ),
    "es": ("seis", "siete", "cinco", "Lo siento, no le entendí.", "Favor de marcar su número."),
}


def _speak(
    engine: EspeakEngine | PiperEngine, text: str, voice: str, speed: float = 1.0
) -> tuple[FloatAudio, int]:
    request = SynthesisRequest(
        prompt_id="t", locale="x", text=text, language=voice[:2], voice=voice,
        speed=speed, model="", cache_key="k",
    )  # fmt: skip
    made = asyncio.run(engine.synthesize(request))
    return made.samples, made.sample_rate


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_classify_espeak_speech_is_speech(language: str) -> None:
    engine = EspeakEngine()
    for text in TEXTS[language]:
        samples, rate = _speak(engine, text, {"en": "en-us", "es": "es-419"}[language])
        verdict = classify(samples, rate)
        assert verdict.kind == "speech", (text, verdict.detail)


def test_classify_piper_speech_is_speech() -> None:
    assert piper_available(), "the local extra (piper-tts and its voice) is part of the test setup"
    engine = PiperEngine()
    # The sample set speaks en-US at 0.75: a slow "six" is mostly fricative (once refused as
    # noise when the test was the median flatness). Piper's noise makes every run differ.
    for speed in (0.75, 1.0):
        for text in TEXTS["en"]:
            samples, rate = _speak(engine, text, "en_US-joe-medium", speed)
            verdict = classify(samples, rate)
            assert verdict.kind == "speech", (text, speed, verdict.detail)


def _dtmf(seconds: float) -> FloatAudio:
    return np.asarray(tone(697, seconds, dbov=-12) + tone(1209, seconds, dbov=-12))


def _beeps(seconds: float) -> FloatAudio:
    gate = (np.arange(round(seconds * 8000)) // 2000 % 2 == 0).astype(np.float32)
    return np.asarray(tone(440, seconds, dbov=-15) * gate)


def _sweep(seconds: float) -> FloatAudio:
    t = np.arange(round(seconds * 8000)) / 8000
    return np.asarray(0.5 * np.sin(2 * np.pi * (300 * t + 800 * t * t)), dtype=np.float32)


def _random_bytes(seconds: float, law: bool) -> FloatAudio:
    rng = np.random.default_rng(7)
    if law:
        codes = rng.integers(0, 256, round(seconds * 8000), dtype=np.uint8)
        pcm = g711.ulaw_decode(codes)
    else:
        pcm = rng.integers(-32768, 32767, round(seconds * 8000)).astype(np.int16)
    return np.asarray(pcm / 32768.0, dtype=np.float32)


def _bursts(seconds: float) -> FloatAudio:
    gate = (np.arange(round(seconds * 8000)) // 1000 % 2 == 0).astype(np.float32)
    return np.asarray(noise(seconds, dbfs=-15) * gate)


def _buzz(seconds: float, pitch: float = 110.0, square: bool = False) -> FloatAudio:
    """A steady harmonic buzz (sawtooth, or square): voiced-like, but nothing moves."""
    t = np.arange(round(seconds * 8000)) / 8000
    wave = np.sign(np.sin(2 * np.pi * pitch * t)) if square else 2 * (pitch * t % 1.0) - 1
    return np.asarray(0.2 * wave, dtype=np.float32)


def _gated(x: FloatAudio, period: int = 2000) -> FloatAudio:
    return np.asarray(x * (np.arange(x.size) // period % 2 == 0), dtype=np.float32)


def _clicks(seconds: float, per_second: int = 10) -> FloatAudio:
    x = np.zeros(round(seconds * 8000), dtype=np.float32)
    x[:: 8000 // per_second] = 0.9
    return x


def _through_ulaw(x: FloatAudio) -> FloatAudio:
    pcm = np.round(np.clip(x, -1, 1) * 32767).astype(np.int16)
    return np.asarray(g711.ulaw_decode(g711.ulaw_encode(pcm)) / 32768.0, dtype=np.float32)


NOT_SPEECH: dict[str, tuple[FloatAudio, SpeechKind]] = {
    "white noise": (noise(2.0, dbfs=-15), "noise"),
    "quiet white noise": (noise(2.0, dbfs=-50), "noise"),
    "random bytes as PCM": (_random_bytes(2.0, law=False), "noise"),
    "random bytes as mu-law": (_random_bytes(2.0, law=True), "noise"),
    "noise in syllable-like bursts": (_bursts(2.0), "noise"),
    "1 kHz tone": (tone(1000, 2.0), "tone"),
    "short tone": (tone(440, 0.3), "tone"),
    "DTMF pair": (_dtmf(2.0), "tone"),
    "beeps": (_beeps(2.0), "tone"),
    "sweep": (_sweep(2.0), "tone"),
    "short DTMF pair": (_dtmf(0.3), "tone"),
    "DTMF digits (gated pair)": (_gated(_dtmf(2.0), 800), "tone"),
    "tone through mu-law": (_through_ulaw(tone(1000, 2.0)), "tone"),
    "steady buzz": (_buzz(2.0), "tone"),
    "short steady buzz": (_buzz(0.3), "noise"),
    "very short buzz": (_buzz(0.15), "noise"),
    "square-wave buzz": (_buzz(2.0, 150, square=True), "tone"),
    "gated square-wave beeps": (_gated(_buzz(2.0, 440, square=True)), "tone"),
    "clicks": (_clicks(2.0), "noise"),
    "DC offset": (np.full(16000, 0.5, dtype=np.float32), "silence"),
    "DC step": (np.concatenate((silence(1.0), np.full(8000, 0.5, np.float32))), "silence"),
    "digital silence": (silence(2.0), "silence"),
    "dither": (noise(2.0, dbfs=-90), "silence"),
    "a few samples": (noise(0.01, dbfs=-10), "silence"),
}


@pytest.mark.parametrize("name", sorted(NOT_SPEECH))
def test_classify_generated_signal_is_not_speech(name: str) -> None:
    samples, kind = NOT_SPEECH[name]
    assert classify(samples, 8000).kind == kind


def test_classify_resamples_engine_rates_to_the_same_verdict() -> None:
    at_8k = classify(noise(1.0, 8000), 8000)
    at_22k = classify(noise(1.0, 22050), 22050)
    assert at_8k.kind == at_22k.kind == "noise"


@pytest.mark.parametrize(("audio", "kind"), [("noise", "noise"), ("tone", "tone")])
def test_waves_build_answer_that_is_not_speech_fails_and_is_not_cached(
    make_project: Project, audio: str, kind: str
) -> None:
    path = make_project(WAVES_TOML, {"pron/es-US.toml": "", "pron/en-US.toml": ""})
    with WavesServer(api_key=KEY, concurrency=2, audio=audio) as server:  # type: ignore[arg-type]
        result = cli(path, "build", url=server.url)
        ids = {r.request_id for r in server.tts_records() if r.status == 200}
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if "not speech" in line]
    assert len(lines) == 10  # every prompt x locale, each once
    pattern = re.compile(
        rf"waves answered with {kind}, not speech \(X-Request-Id (\S+)\): .*"
        r"it was neither cached nor published"
    )
    quoted = set()
    for line in lines:
        match = pattern.search(line)
        assert match, line
        quoted.add(match.group(1))
    assert quoted == ids
    assert not (path.parent / "dist").exists()
    synth = path.parent / "cache" / "synth"
    assert not synth.exists() or not any(p.is_file() for p in synth.rglob("*"))


def test_waves_build_babble_stand_in_is_published(make_project: Project, tmp_path: Path) -> None:
    path = make_project(WAVES_TOML, {"pron/es-US.toml": "", "pron/en-US.toml": ""})
    with WavesServer(api_key=KEY, concurrency=2, audio="babble") as server:
        result = cli(path, "build", "--json", url=server.url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["published"] is True
