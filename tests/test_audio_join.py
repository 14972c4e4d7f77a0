"""Joining spoken parts with exact silence: the chain on real espeak-ng speech, read back as
published (u-law through sox) and judged by the validator."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pytest

from ivr_prompts import audio, validate
from ivr_prompts.audio import join
from ivr_prompts.audio.edges import edge_peaks_dbfs
from ivr_prompts.config.settings import AudioSettings, LimitSettings
from ivr_prompts.engines.base import SynthesisRequest
from ivr_prompts.engines.espeak import EspeakEngine
from ivr_prompts.errors import AudioError

SETTINGS = AudioSettings()
# A part's speech: samples and their rate.
Spoken = tuple[audio.FloatAudio, int]
SOX_S16 = ["-t", "raw", "-e", "signed", "-b", "16", "-"]


def speak(text: str) -> Spoken:
    request = SynthesisRequest(
        prompt_id="t",
        locale="en-US",
        text=text,
        language="en",
        voice="en-us",
        speed=1.0,
        model="",
        cache_key=text,
    )
    made = asyncio.run(EspeakEngine().synthesize(request))
    return made.samples, made.sample_rate


@pytest.fixture(scope="module")
def said() -> tuple[Spoken, Spoken]:
    return speak("Welcome to Acme Bank."), speak("Press one for sales.")


def through_sox(
    pcm: audio.Int16Audio, tmp_path: Path, codec: Literal["ulaw", "alaw"] = "ulaw"
) -> npt.NDArray[np.int16]:
    """The prompt as a published .ulaw (.alaw) file, decoded by sox."""
    path = tmp_path / f"p.{codec}"
    path.write_bytes(audio.encode(pcm, codec))
    kind = {"ulaw": "ul", "alaw": "al"}[codec]
    raw = subprocess.run(
        ["sox", "-t", kind, "-r", "8000", "-c", "1", str(path), *SOX_S16],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2")


def runs(x: npt.NDArray[np.int16], at_least: int, within: int = 2) -> list[tuple[int, int]]:
    """(start, length) of every run of samples within +-`within` of zero, `at_least` long."""
    quiet = np.concatenate(([0], (np.abs(x.astype(np.int32)) <= within).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(quiet))
    found = [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    return [r for r in found if r[1] >= at_least]


def errors(pcm: audio.Int16Audio, tmp_path: Path) -> list[str]:
    path = tmp_path / "p.ulaw"
    path.write_bytes(audio.encode(pcm, "ulaw"))
    rules = validate.Rules.from_settings(SETTINGS, LimitSettings())
    found = validate.check_audio(audio.read_audio(path), rules)
    return [f"{f.check}: {f.message}" for f in found if f.severity == "error"]


@pytest.mark.parametrize("ms", [150, 800, 2000])
def test_process_parts_pause_exact_and_outer_edges_pass(
    said: tuple[Spoken, Spoken], tmp_path: Path, ms: int
) -> None:
    first, second = said
    done = join.process_parts([first, ms, second], SETTINGS)
    decoded = through_sox(done.pcm, tmp_path)
    # Inside the prompt (the outer pads are silence too); espeak-ng's own pauses are shorter.
    inner = [r for r in runs(decoded, 8 * 100) if r[0] > 0 and sum(r) < decoded.size]
    assert [length for _, length in inner if length >= 8 * 120] == [8 * ms]
    # A-law has no zero: its silence decodes to +8, and the pause is exact within that.
    alaw = through_sox(done.pcm, tmp_path, "alaw")
    inner = [r for r in runs(alaw, 8 * 100, 8) if r[0] > 0 and sum(r) < alaw.size]
    assert [length for _, length in inner if length >= 8 * 120] == [8 * ms]
    assert abs(done.level_dbov - SETTINGS.level_dbov) <= 0.5
    assert max(edge_peaks_dbfs(audio.to_float(decoded), 8000)) < -50
    assert errors(done.pcm, tmp_path) == []


def test_process_parts_share_one_gain(said: tuple[Spoken, Spoken]) -> None:
    first, _second = said
    alone = audio.process(audio.to_float(audio.to_pcm16(first[0])), first[1], SETTINGS)
    joined = join.process_parts([first, 800, first], SETTINGS)
    # Both halves are the prompt said alone (same gain), cut at the pause.
    half = joined.pcm[: alone.pcm.size - 8 * SETTINGS.trail_pad_ms]
    level_alone = audio.active_level_dbov(audio.to_float(alone.pcm), 8000)
    assert abs(audio.active_level_dbov(audio.to_float(half), 8000) - level_alone) < 0.5


def test_process_parts_edge_pauses_are_silence_beyond_the_pads(
    said: tuple[Spoken, Spoken], tmp_path: Path
) -> None:
    first, second = said
    plain = join.process_parts([first, 800, second], SETTINGS)
    edged = join.process_parts([300, first, 800, second, 400], SETTINGS)
    assert edged.pcm.size == plain.pcm.size + 8 * 700
    assert not edged.pcm[: 8 * 300].any()
    assert not edged.pcm[-8 * 400 :].any()
    # The same prompt between them (the final level may move by a step of rounding).
    middle = edged.pcm[8 * 300 : -8 * 400].astype(np.int32)
    assert np.abs(middle - plain.pcm).max() <= 3
    assert errors(edged.pcm, tmp_path) == []


def test_process_parts_long_edge_pause_fails_validation(
    said: tuple[Spoken, Spoken], tmp_path: Path
) -> None:
    first, _ = said
    done = join.process_parts([1500, first], SETTINGS)
    assert [e.split(":")[0] for e in errors(done.pcm, tmp_path)] == ["lead-silence"]


def test_process_parts_pauses_only_refused() -> None:
    with pytest.raises(AudioError) as caught:
        join.process_parts([800], SETTINGS)
    assert caught.value.message == "a prompt of pauses only has nothing to speak; give it words"


def test_process_parts_silent_part_refused(said: tuple[Spoken, Spoken]) -> None:
    first, _ = said
    silent = (np.zeros(8000, np.float32), 8000)
    with pytest.raises(AudioError) as caught:
        join.process_parts([first, 500, silent], SETTINGS)
    assert caught.value.message == (
        "spoken part 2 of 2 has no sound above the -60 dBFS onset threshold; check its text"
    )


def test_exact_pauses_counts_quiet_ramp_ends_in_the_pause() -> None:
    loud = [900, -17]
    pcm = np.array(loud + [16, -3, 1] + [0] * 10 + [2, -16] + loud, dtype=np.int16)
    out = join.exact_pauses(pcm, [(5, 10)])
    np.testing.assert_array_equal(out, np.array(loud + [0] * 10 + loud, dtype=np.int16))


def test_exact_pauses_shorter_than_its_quiet_ends_keeps_them() -> None:
    pcm = np.array([900, 1, 1, 1, 0, 0, 1, 1, 900], dtype=np.int16)
    out = join.exact_pauses(pcm, [(4, 2)])
    np.testing.assert_array_equal(out, np.array([900, 0, 0, 0, 0, 0, 900], dtype=np.int16))
