"""The processing chain on real signals: high-pass, limiter, edges and fades, verification.

Speech comes from espeak-ng (words starting with /s/ and /f/, whose onsets lie 20-30 dB under
the speech level); clicks and DC are added to it. The expectations are physical (levels, peaks,
what was cut), measured with plain numpy, not with the chain's own helpers where avoidable.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from ivr_prompts import versions
from ivr_prompts.audio import chain, dsp, edges, g711, limiter
from ivr_prompts.config import AudioSettings
from ivr_prompts.errors import AudioError
from tests.audio_fixtures import db_of, espeak_word, noise, silence, tone

SETTINGS = AudioSettings()
Float = npt.NDArray[np.float32]

# Words whose first sound is a fricative (/s/, /f/), in English and Spanish.
FRICATIVE_WORDS = [
    ("en-us", "six"),
    ("en-us", "seven"),
    ("en-us", "five"),
    ("en-us", "four"),
    ("en-us", "Sorry, I didn't get that."),
    ("en-us", "Fifty seconds."),
    ("es", "seis"),
    ("es", "siete"),
    ("es", "cinco"),
]


def peak_db(x: npt.NDArray[np.floating]) -> float:
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return 20.0 * math.log10(peak) if peak > 0 else -100.0


@pytest.fixture(scope="module")
def words(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Float, int]]:
    folder = tmp_path_factory.mktemp("words")
    return {text: espeak_word(folder, text, voice) for voice, text in FRICATIVE_WORDS}


def front_end(x: Float, rate: int) -> Float:
    """What the chain measures: 8 kHz, telephone-band high-passed, at the target level."""
    y = dsp.high_pass(dsp.resample(x, rate), 8000, SETTINGS.highpass_hz, SETTINGS.highpass_order)
    gain = SETTINGS.level_dbov - dsp.active_level_dbov(y, 8000)
    return (y * np.float32(10 ** (gain / 20))).astype(np.float32)


def offset_in(output: Float, source: Float) -> int:
    """Index of `source` where `output` begins (cross-correlation peak)."""
    n = output.size + source.size
    size = 1 << (n - 1).bit_length()
    spec = np.fft.rfft(source, size) * np.conj(np.fft.rfft(output, size))
    corr = np.fft.irfft(spec, size)
    lag = int(np.argmax(corr))
    return lag if lag < size // 2 else lag - size


# --- high-pass -------------------------------------------------------------------------------


@pytest.mark.parametrize(("cutoff", "order"), [(200.0, 4), (250.0, 2), (300.0, 3), (80.0, 1)])
def test_high_pass_response_matches_butterworth_formula(cutoff: float, order: int) -> None:
    for freq in (60.0, 100.0, 200.0, 300.0, 1000.0, 3400.0):
        y = dsp.high_pass(tone(freq, 2.0, dbov=-20), 8000, cutoff, order)
        warped = math.tan(math.pi * freq / 8000) / math.tan(math.pi * cutoff / 8000)
        expected = -20.0 - 10.0 * math.log10(1.0 + warped ** (-2 * order))
        assert db_of(y[8000:]) == pytest.approx(expected, abs=0.02), freq


def test_high_pass_default_keeps_telephone_band_and_drops_rumble() -> None:
    def gain(freq: float) -> float:
        return db_of(dsp.high_pass(tone(freq, 2.0, dbov=-20), 8000)[8000:]) + 20.0

    # 4th order at 250 Hz: within 1 dB from the 300 Hz band edge up, rumble and the low
    # energy the telephone channel removes anyway well down.
    assert -1.0 < gain(300) < -0.8
    assert abs(gain(1000)) < 0.01
    assert gain(100) < -31.0
    assert gain(50) < -55.0


def test_high_pass_removes_dc_without_a_step() -> None:
    x = tone(1000, 2.0, dbov=-20) + np.float32(0.2)
    y = dsp.high_pass(x, 8000)
    assert abs(float(np.mean(y[4000:]))) < 1e-4
    assert peak_db(y[:80]) < -15.0  # no 0.2 step at the start
    assert db_of(y[4000:]) == pytest.approx(-20.0, abs=0.05)


def test_high_pass_bad_cutoff_raises_audio_error() -> None:
    with pytest.raises(AudioError, match="cutoff 5000 Hz must lie between 0 and 4000 Hz"):
        dsp.high_pass(tone(440, 0.1), 8000, 5000.0, 4)


# --- limiter ---------------------------------------------------------------------------------


def test_limit_signal_under_ceiling_is_returned_unchanged() -> None:
    x = tone(440, 1.0, dbov=-20)
    assert np.array_equal(limiter.limit(x, 8000, -1.0), x)


def test_limit_click_is_flattened_and_speech_away_from_it_untouched() -> None:
    x = tone(440, 1.0, dbov=-20)
    x[4000] = 0.99
    y = limiter.limit(x, 8000, -1.0)
    assert peak_db(y) <= -1.0 + 1e-6
    far = np.r_[0:3900, 4100:8000]
    assert np.array_equal(y[far], x[far])


def test_level_to_target_spiky_signal_reaches_target_with_peaks_limited() -> None:
    x = tone(800, 2.0, dbov=-40)
    x[::2000] = 0.5
    y = limiter.level_to_target(x, 8000, -20.0, -1.0)
    assert dsp.active_level_dbov(y, 8000) == pytest.approx(-20.0, abs=0.05)
    assert peak_db(y) <= -1.0 + 1e-6


def test_level_to_target_silence_returns_input_unchanged() -> None:
    x = silence(0.5)
    assert np.array_equal(limiter.level_to_target(x, 8000, -26.0, -1.0), x)


# --- edges -----------------------------------------------------------------------------------


def test_cut_tone_in_silence_keeps_exact_pads_and_fades_the_cuts() -> None:
    x = np.concatenate([noise(1.0, dbfs=-75), tone(1000, 0.5, dbov=-26), noise(1.0, dbfs=-75)])
    bounds = edges.find_speech(x, 8000, -60.0, hangover_ms=0.0)
    assert bounds is not None
    assert bounds[0] == pytest.approx(8000, abs=2)
    assert bounds[1] == pytest.approx(11999, abs=2)
    y = edges.cut(x, 8000, bounds, 50, 200, 5.0)
    assert y.size == bounds[1] - bounds[0] + 1 + 400 + 1600
    assert np.array_equal(y[400:420], x[bounds[0] : bounds[0] + 20])
    # Raised-cosine fades: the first and last samples are near zero, rising smoothly.
    assert abs(float(y[0])) < 1e-6
    assert abs(float(y[-1])) < 1e-6
    assert np.all(np.abs(y[:40]) <= np.abs(x[bounds[0] - 400 : bounds[0] - 360]) + 1e-9)


def test_cut_signal_without_room_for_pads_zero_fills_and_fades_the_cut() -> None:
    x = tone(1000, 0.3, dbov=-20, phase=0.4)
    y = edges.cut(x, 8000, (0, x.size - 1), 100, 300, 5.0)
    assert y.size == 800 + x.size + 2400
    assert not np.any(y[:800])
    assert not np.any(y[-2400:])
    body = y[800 : 800 + x.size]
    assert np.array_equal(body[40:-40], x[40:-40])
    assert abs(float(body[0])) < 0.01 * abs(float(x[0]))
    assert abs(float(body[-1])) < 0.01 * max(abs(float(x[-1])), 1e-3) + 1e-6


def test_find_speech_quiet_noise_only_is_none() -> None:
    assert edges.find_speech(noise(1.0, dbfs=-70), 8000, -60.0) is None


def test_old_fixed_threshold_cuts_fricative_onsets(words: dict[str, tuple[Float, int]]) -> None:
    """The test words are real: a -45 dBFS threshold starts them late, -60 dBFS does not."""
    late = []
    for _text, (x, rate) in words.items():
        y = front_end(x, rate)
        old = edges.speech_bounds(y, 8000, -45.0)
        new = edges.speech_bounds(y, 8000, -60.0)
        assert old is not None
        assert new is not None
        late.append((old[0] - new[0]) / 8.0)
    assert max(late) > 5.0, late


@pytest.mark.parametrize(("voice", "text"), FRICATIVE_WORDS)
def test_process_fricative_onset_is_kept_whole_with_pads_and_quiet_edges(
    words: dict[str, tuple[Float, int]], voice: str, text: str
) -> None:
    x, rate = words[text]
    out = dsp.to_float(chain.process(x, rate, SETTINGS).pcm)
    source = front_end(x, rate)
    # The file opens and closes in silence: no click where prompts join.
    assert peak_db(out[:160]) < -50.0
    assert peak_db(out[-160:]) < -50.0
    # Nothing but silence was cut: what lies before and after the kept span is under -55 dBFS.
    start = offset_in(out, source)
    end = start + out.size
    assert peak_db(source[: max(start + 40, 0)]) < -55.0
    assert peak_db(source[max(end - 40, 0) :]) < -55.0
    # The lead pad is kept from the true onset: the first sound at -60 dBFS comes after it.
    first = int(np.flatnonzero(np.abs(out) > 10 ** (-60 / 20))[0])
    assert first >= round(8000 * SETTINGS.lead_pad_ms / 1000) - 8


# --- process ---------------------------------------------------------------------------------


def test_process_speech_30db_under_a_click_lands_at_target(
    words: dict[str, tuple[Float, int]],
) -> None:
    x, rate = words["Sorry, I didn't get that."]
    speech = x / np.float32(np.max(np.abs(x))) * np.float32(10 ** (-30 / 20))
    speech[speech.size // 3] = np.float32(0.97)
    p = chain.process(speech, rate, SETTINGS)
    assert p.level_dbov == pytest.approx(-26.0, abs=0.1)
    for codec in ("ulaw", "alaw"):
        decoded = dsp.to_float(g711.decode(g711.encode(p.pcm, codec), codec))
        assert peak_db(decoded) <= -1.0
        assert dsp.active_level_dbov(decoded, 8000) == pytest.approx(-26.0, abs=0.3)


def test_process_speech_on_minus_10_dbfs_dc_is_centred_at_target(
    words: dict[str, tuple[Float, int]],
) -> None:
    x, rate = words["Fifty seconds."]
    p = chain.process(x + np.float32(10 ** (-10 / 20)), rate, SETTINGS)
    out = dsp.to_float(p.pcm)
    assert abs(float(np.mean(out))) < 10 ** (-50 / 20)
    assert p.level_dbov == pytest.approx(-26.0, abs=0.1)
    assert peak_db(out[:160]) < -50.0
    assert peak_db(out[-160:]) < -50.0


def test_process_impulse_train_cannot_reach_target_and_says_so() -> None:
    x = np.zeros(16000, np.float32)
    x[::800] = 0.5
    with pytest.raises(AudioError) as info:
        chain.process(x, 8000, SETTINGS)
    assert info.value.message.startswith("processing cannot meet the rules: level ")
    assert "misses the -26 dBov target ([audio].level_dbov) by more than 0.5 dB" in (
        info.value.message
    )


def test_process_records_speech_span_without_pads(words: dict[str, tuple[Float, int]]) -> None:
    x, rate = words["Sorry, I didn't get that."]
    p = chain.process(x, rate, SETTINGS)
    pads = (SETTINGS.lead_pad_ms + SETTINGS.trail_pad_ms) / 1000
    assert p.speech_s == pytest.approx(p.duration_s - pads, abs=0.002)


def test_settings_key_changes_with_every_processing_setting() -> None:
    base = chain.settings_key(SETTINGS)
    assert base["processing"] == versions.PROCESSING_VERSION
    changes: list[tuple[str, Any]] = [
        ("level_dbov", -20.0),
        ("peak_headroom_db", 3.0),
        ("lead_pad_ms", 10),
        ("trail_pad_ms", 100),
        ("silence_threshold_dbfs", -55.0),
        ("edge_margin_db", 30.0),
        ("fade_ms", 2.0),
        ("highpass_hz", 300.0),
        ("highpass_order", 2),
    ]
    for name, value in changes:
        assert chain.settings_key(dataclasses.replace(SETTINGS, **{name: value})) != base, name
    for name in chain.NOT_PROCESSING:
        assert name not in base


def test_settings_key_every_audio_setting_read_by_process_or_declared_not_processing() -> None:
    fields = {f.name for f in dataclasses.fields(AudioSettings)}
    read = {name for name, v in vars(chain.ProcessSettings).items() if isinstance(v, property)}
    # A new [audio] setting belongs to one side: `process` reads it (so it is in the key), or
    # chain.NOT_PROCESSING says why it does not change processed audio.
    assert read == fields - chain.NOT_PROCESSING
    assert fields >= chain.NOT_PROCESSING
    assert set(chain.settings_key(SETTINGS)) == read | {"rate", "processing"}


def test_process_ignores_every_not_processing_setting(tmp_path: Path) -> None:
    x, rate = espeak_word(tmp_path, "Sorry, I didn't get that.")
    base = chain.process(x, rate, SETTINGS).pcm
    changed: dict[str, Any] = {
        "codecs": ("alaw",),
        "level_tolerance_db": 5.0,
        "sentence_pause_ms": 900,
    }
    assert set(changed) == chain.NOT_PROCESSING
    for name, value in changed.items():
        other = chain.process(x, rate, dataclasses.replace(SETTINGS, **{name: value})).pcm
        assert np.array_equal(other, base), name


def test_process_tone_burst_at_any_rate_keeps_pads(tmp_path: Path) -> None:
    x = np.concatenate([silence(0.5, 16000), tone(1000, 0.5, 16000, dbov=-30), silence(1.0, 16000)])
    p = chain.process(x, 16000, SETTINGS)
    out = dsp.to_float(p.pcm)
    loud = np.flatnonzero(np.abs(out) > 10 ** (-60 / 20))
    assert loud[0] == pytest.approx(400, abs=8)
    assert out.size - 1 - loud[-1] == pytest.approx(1600 + 80, abs=10)
