"""Section 4: audio processing throughput per core, and the local engines' real-time factors."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ivr_prompts import audio, validate
from ivr_prompts.config import AudioSettings, LimitSettings
from ivr_prompts.engines import espeak, local, piper
from ivr_prompts.engines.base import Engine, SynthesisRequest

from .config import Sizes
from .measure import median, profile_text
from .model import Section, Table, Target, fmt_s

REALTIME_TARGET = 500.0
TEXTS = (
    "Thank you for calling Acme Bank. Your call may be recorded for quality purposes.",
    "To check your balance or recent transactions, press one.",
    "To report a lost or stolen card, press two.",
    "Please enter your account number, followed by the pound key.",
    "Our offices are open from eight A M to eight P M, Monday through Friday.",
    "All of our agents are busy. Please stay on the line and your call will be answered.",
    "Sorry, that is not a valid option. Please try again.",
    "Goodbye.",
)
Float = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Clip:
    text: str
    samples: Float
    rate: int

    @property
    def seconds(self) -> float:
        return self.samples.size / self.rate


@dataclass(frozen=True)
class EngineRun:
    name: str
    load_s: float
    wall_s: float
    cpu_s: float
    audio_s: float
    clips: list[Clip]


def _texts(n: int) -> list[str]:
    return [f"{TEXTS[i % len(TEXTS)]} Reference {i}." for i in range(n)]


def _request(text: str, voice: str, locale: str = "en-US") -> SynthesisRequest:
    return SynthesisRequest("bench/x", locale, text, "en", voice, 1.0, "", "k")


def _speak(engine: Engine, voice: str, texts: list[str], name: str) -> EngineRun:
    first = time.perf_counter()
    asyncio.run(engine.synthesize(_request("Loading.", voice)))  # loads the library or model
    load = time.perf_counter() - first
    clips: list[Clip] = []
    wall, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        made = asyncio.run(engine.synthesize(_request(text, voice)))
        clips.append(Clip(text, made.samples, made.sample_rate))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return EngineRun(name, load, wall, cpu, sum(c.seconds for c in clips), clips)


Stage = Callable[[list[Clip], Path], None]


def _process(clips: list[Clip], tmp: Path) -> None:
    settings = AudioSettings()
    for clip in clips:
        audio.process(clip.samples, clip.rate, settings)


def _processed(clips: list[Clip]) -> list[npt.NDArray[np.int16]]:
    return [audio.process(c.samples, c.rate, AudioSettings()).pcm for c in clips]


def _encoders(pcms: list[npt.NDArray[np.int16]]) -> Callable[[list[Clip], Path], None]:
    def encode(clips: list[Clip], tmp: Path) -> None:
        for pcm in pcms:
            audio.raw_bytes(pcm, "ulaw")
            audio.raw_bytes(pcm, "alaw")
            audio.pcm16_wav_bytes(pcm)
            audio.g711_wav_bytes(pcm, "ulaw")

    return encode


def _validator(pcms: list[npt.NDArray[np.int16]], tmp: Path) -> Callable[[list[Clip], Path], None]:
    rules = validate.Rules.from_settings(AudioSettings(), LimitSettings())
    paths: list[list[Path]] = []
    for i, pcm in enumerate(pcms):
        files = {
            tmp / f"p{i}.ulaw": audio.raw_bytes(pcm, "ulaw"),
            tmp / f"p{i}.alaw": audio.raw_bytes(pcm, "alaw"),
            tmp / f"p{i}-fs.wav": audio.pcm16_wav_bytes(pcm),
            tmp / f"p{i}.wav": audio.g711_wav_bytes(pcm, "ulaw"),
        }
        for path, data in files.items():
            path.write_bytes(data)
        paths.append(list(files))

    def check(clips: list[Clip], _: Path) -> None:
        for clip, files in zip(clips, paths, strict=True):
            # As the build does: the sound is checked once per prompt, each container per file.
            for n, path in enumerate(files):
                found = validate.check_audio(
                    audio.read_audio(path), rules, text=clip.text, signal=n == 0
                )
                errors = [f for f in found if f.severity == "error"]
                if errors:
                    raise RuntimeError(f"benchmark audio fails validation: {errors[0]}")

    return check


def _spin_ratio(clips: list[Clip]) -> float:
    """Process CPU / wall while processing: above 1 means idle threads burn CPU."""
    wall, cpu = time.perf_counter(), time.process_time()
    _process(clips, Path("."))
    wall = time.perf_counter() - wall
    return (time.process_time() - cpu) / wall if wall > 0 else 0.0


def _timed(stage: Stage, clips: list[Clip], tmp: Path, repeats: int) -> tuple[float, float]:
    """Median (CPU s, wall s) of `repeats` passes over every clip."""
    cpus: list[float] = []
    walls: list[float] = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.thread_time()
        stage(clips, tmp)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.thread_time() - cpu)
    return median(cpus), median(walls)


def _at_rate(clips: list[Clip], rate: int) -> list[Clip]:
    return [
        Clip(c.text, audio.resample(c.samples, c.rate, rate).astype(np.float32), rate)
        for c in clips
    ]


def run(sizes: Sizes, work: Path) -> Section:
    section = Section(
        "audio",
        "4. Audio processing and local engines",
        f"{sizes.audio_utterances} IVR sentences spoken by espeak-ng (in-process), then each "
        "stage over all of them. *x real time per core* = seconds of input audio / CPU seconds "
        "of the measuring thread (`time.thread_time`; every stage is single-threaded), median of "
        f"{max(3, sizes.repeats)} passes. Inputs at the engine's rate (espeak 22.05 kHz), at "
        "8 kHz (what Waves sends) and at 24 kHz. *validate* reads back and checks the 4 files "
        "a prompt publishes by default (.ulaw, .alaw, FreeSWITCH PCM .wav, G.711 .wav) as the "
        "build does: the sound once, each container per file. The process's allocator is "
        "tuned as the command line tunes it (`cli/malloc.py`: glibc keeps the pages of freed "
        "arrays).",
    )
    texts = _texts(sizes.audio_utterances)
    speak = _speak(espeak.EspeakEngine(), "en-us", texts, "espeak-ng")
    engines = [speak]
    if sizes.piper and local.piper_available():
        found = local.find_voice(None, "en", "en-US")
        if found is not None:
            engines.append(
                _speak(piper.PiperEngine(), found.name, texts[: max(2, len(texts) // 3)], "Piper")
            )
    else:
        section.notes.append("Piper not measured (smoke run or not installed).")
    section.tables.append(
        Table(
            (
                "engine",
                "first call (load)",
                "utterances",
                "audio",
                "wall",
                "x real time (wall)",
                "x real time per CPU-second",
            ),
            tuple(
                (
                    e.name,
                    fmt_s(e.load_s),
                    str(len(e.clips)),
                    fmt_s(e.audio_s),
                    fmt_s(e.wall_s),
                    f"{e.audio_s / e.wall_s:.1f}x",
                    f"{e.audio_s / e.cpu_s:.1f}x" if e.cpu_s > 0 else "-",
                )
                for e in engines
            ),
            "local engines (real-time factor as speed: audio seconds per second)",
        )
    )
    repeats = max(3, sizes.repeats)
    rows: list[tuple[str, ...]] = []
    totals: dict[str, float] = {}
    with tempfile.TemporaryDirectory(dir=work) as tmp_name:
        tmp = Path(tmp_name)
        for label, clips in (
            ("espeak 22.05 kHz", speak.clips),
            ("8 kHz (Waves pcm)", _at_rate(speak.clips, 8000)),
            ("24 kHz", _at_rate(speak.clips, 24000)),
        ):
            seconds = sum(c.seconds for c in clips)
            pcms = _processed(clips)
            stages: list[tuple[str, Stage]] = [
                ("resample + high-pass + normalise + trim", _process),
                ("encode 4 files", _encoders(pcms)),
                ("validate 4 files", _validator(pcms, tmp)),
            ]
            total = 0.0
            for name, stage in stages:
                cpu, wall = _timed(stage, clips, tmp, repeats)
                total += cpu
                rows.append((label, name, fmt_s(cpu), f"{seconds / cpu:.0f}x", fmt_s(wall)))
            totals[label] = seconds / total
            rows.append((label, "**all stages**", fmt_s(total), f"**{seconds / total:.0f}x**", ""))
    section.tables.append(
        Table(
            ("input", "stage", "CPU", "x real time per core", "wall"),
            tuple(rows),
            f"processing {sum(c.seconds for c in speak.clips):.1f} s of speech",
        )
    )
    spin = _spin_ratio(speak.clips)
    if spin > 1.3:
        section.notes.append(
            f"While `audio.process` runs, the process burns {spin:.1f} CPU-seconds per second "
            "although the work is single-threaded: soxr's OpenMP worker threads spin-wait "
            "between calls (OMP_NUM_THREADS=1 removes it with no loss of speed here). On a "
            "2-core runner that spinning takes the core other work needs."
        )
    for label, speed in totals.items():
        section.targets.append(
            Target(
                f"processing, all stages, {label} input",
                f"{speed:.0f}x real time per core",
                ">= 500x",
                speed >= REALTIME_TARGET,
            )
        )
    if sizes.profile and min(totals.values()) < REALTIME_TARGET:
        clips = speak.clips
        pcms = _processed(clips)
        with tempfile.TemporaryDirectory(dir=work) as tmp_name:
            check = _validator(pcms, Path(tmp_name))
            encode = _encoders(pcms)

            def all_stages() -> None:
                _process(clips, Path(tmp_name))
                encode(clips, Path(tmp_name))
                check(clips, Path(tmp_name))

            _, text = profile_text(all_stages)
        section.profiles.append(("cProfile of all stages on the espeak clips", text))
    return section
