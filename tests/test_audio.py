"""Tests for ivr_prompts.audio: G.711 against the G.191 CRCs and sox, DSP on real signals."""

from __future__ import annotations

import json
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from ivr_prompts.audio import chain, dsp, g711, wavfile
from ivr_prompts.audio.dsp import SILENCE_DB
from ivr_prompts.config import AudioSettings
from ivr_prompts.errors import AudioError
from ivr_prompts.kinds import Codec
from tests.audio_fixtures import db_of, espeak_speech, noise, silence, tone

RAMP = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)


def crc_of_words(values: npt.NDArray[np.integer]) -> str:
    return f"{zlib.crc32(values.astype('<u2').tobytes()):08X}"


def run(*args: str) -> bytes:
    return subprocess.run(args, check=True, capture_output=True).stdout


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[npt.NDArray[np.float32], int]:
    return espeak_speech(tmp_path_factory.mktemp("speech"))


@pytest.fixture(scope="module")
def processed(speech: tuple[npt.NDArray[np.float32], int]) -> chain.Processed:
    samples, rate = speech
    return chain.process(samples, rate, AudioSettings())


# --- G.711 -------------------------------------------------------------------------------------


def test_ramp_crc_matches_reference() -> None:
    assert crc_of_words(RAMP.view(np.uint16)) == "C8BA7682"


@pytest.mark.parametrize(
    ("encoder", "decoder", "encoded_crc", "decoded_crc"),
    [
        (g711.ulaw_encode, g711.ulaw_decode, "CD170E15", "63641C01"),
        (g711.alaw_encode, g711.alaw_decode, "74719FE4", "ABCEAA69"),
    ],
)
def test_g711_ramp_crc_matches_g191(
    encoder: Callable[[npt.NDArray[np.int16]], npt.NDArray[np.uint8]],
    decoder: Callable[[npt.NDArray[np.uint8]], npt.NDArray[np.int16]],
    encoded_crc: str,
    decoded_crc: str,
) -> None:
    codes = encoder(RAMP)
    assert codes.dtype == np.uint8
    assert crc_of_words(codes) == encoded_crc
    decoded = decoder(codes)
    assert decoded.dtype == np.int16
    assert crc_of_words(decoded.view(np.uint16)) == decoded_crc


@pytest.mark.parametrize("codec", ["ulaw", "alaw"])
def test_encode_bytes_roundtrip_stays_within_quantisation(codec: Codec) -> None:
    pcm = dsp.to_pcm16(tone(440, 0.5, dbov=-10))
    data = g711.encode(pcm, codec)
    assert len(data) == pcm.size
    back = g711.decode(data, codec)
    err = np.abs(back.astype(np.int32) - pcm.astype(np.int32))
    # Largest G.711 step is 1024 (mu-law) / 512 (A-law) in 16-bit units; half of it is the bound.
    assert int(err.max()) <= 512
    assert db_of(back.astype(np.float64) - pcm) < db_of(pcm.astype(np.float64)) - 30


def test_encode_unknown_codec_raises_audio_error() -> None:
    with pytest.raises(AudioError, match="unknown; use 'ulaw' or 'alaw'"):
        g711.encode(np.zeros(4, np.int16), "gsm")  # type: ignore[arg-type]


@pytest.mark.parametrize(("codec", "sox_type"), [("ulaw", "ul"), ("alaw", "al")])
def test_decode_agrees_with_sox_decoding_of_raw_file(
    tmp_path: Path, codec: Codec, sox_type: str
) -> None:
    pcm = dsp.to_pcm16(tone(697, 0.3, dbov=-6) + tone(1209, 0.3, dbov=-6))
    raw = tmp_path / f"dtmf.{codec}"
    raw.write_bytes(wavfile.raw_bytes(pcm, codec))
    sox_pcm = np.frombuffer(
        run("sox", "-t", sox_type, "-r", "8000", "-c", "1", str(raw), "-t", "s16", "-"), "<i2"
    )
    ours = g711.decode(raw.read_bytes(), codec)
    assert sox_pcm.size == ours.size
    assert int(np.max(np.abs(sox_pcm.astype(np.int32) - ours))) <= 16


@pytest.mark.parametrize(("codec", "sox_enc"), [("ulaw", "u-law"), ("alaw", "a-law")])
def test_encode_agrees_with_sox_encoder_within_one_step(
    tmp_path: Path, codec: Codec, sox_enc: str
) -> None:
    pcm = dsp.to_pcm16(noise(0.5, dbfs=-12))
    src = tmp_path / "in.wav"
    src.write_bytes(wavfile.pcm16_wav_bytes(pcm))
    sox_codes = run("sox", "-D", str(src), "-t", "raw", "-e", sox_enc, "-b", "8", "-")
    levels = np.unique(g711.decode(bytes(range(256)), codec))
    ours = np.searchsorted(levels, g711.decode(g711.encode(pcm, codec), codec))
    theirs = np.searchsorted(levels, g711.decode(sox_codes, codec))
    assert len(sox_codes) == pcm.size
    assert int(np.max(np.abs(ours - theirs))) <= 1
    assert np.mean(ours == theirs) > 0.9


# --- conversion, resampling, levels --------------------------------------------------------


def test_to_pcm16_values_round_and_clip() -> None:
    x = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 1.4 / 32768], dtype=np.float32)
    assert dsp.to_pcm16(x).tolist() == [0, 16384, -16384, 32767, -32768, 32767, -32768, 1]


def test_to_float_full_scale_maps_to_minus_one() -> None:
    assert dsp.to_float(np.array([-32768, 16384], np.int16)).tolist() == [-1.0, 0.5]


@pytest.mark.parametrize("rate_in", [22050, 24000, 44100])
def test_resample_5khz_tone_is_removed_not_aliased(rate_in: int) -> None:
    out = dsp.resample(tone(5000, 1.0, rate_in, dbov=-3), rate_in)
    assert out.dtype == np.float32
    assert abs(out.size - 8000) <= 1
    assert db_of(out[400:-400]) - (-3) < -35


@pytest.mark.parametrize("rate_in", [16000, 22050, 24000, 44100])
def test_resample_1khz_tone_passes_at_unity(rate_in: int) -> None:
    out = dsp.resample(tone(1000, 1.0, rate_in, dbov=-20), rate_in)
    assert db_of(out[400:-400]) == pytest.approx(-20.0, abs=0.1)


def test_resample_same_rate_returns_input_samples() -> None:
    x = tone(440, 0.1)
    assert np.array_equal(dsp.resample(x, 8000, 8000), x)


@pytest.mark.parametrize("dbov", [-20.0, -26.0, -40.0])
def test_active_level_continuous_sine_reads_its_rms(dbov: float) -> None:
    assert dsp.active_level_dbov(tone(1000, 4.0, dbov=dbov), 8000) == pytest.approx(dbov, abs=0.1)


def test_active_level_full_scale_sine_reads_minus_3_dbov() -> None:
    x = np.sin(2 * np.pi * 1000 * np.arange(64000) / 8000).astype(np.float32)
    assert dsp.active_level_dbov(x, 8000) == pytest.approx(-3.01, abs=0.05)


def test_active_level_sine_with_half_silence_ignores_pauses() -> None:
    on, off = tone(1000, 2.0, dbov=-20), silence(2.0)
    x = np.concatenate([on, off, on, off, on, off])
    assert db_of(x) == pytest.approx(-23.0, abs=0.05)
    assert dsp.active_level_dbov(x, 8000) == pytest.approx(-20.0, abs=0.8)


def test_active_level_at_44khz_matches_same_signal_at_8khz() -> None:
    def bursts(rate: int) -> npt.NDArray[np.float32]:
        return np.concatenate([tone(500, 1.0, rate, dbov=-30), silence(1.0, rate)] * 3)

    at_8k = dsp.active_level_dbov(bursts(8000), 8000)
    assert at_8k == pytest.approx(-30.0, abs=1.2)
    assert dsp.active_level_dbov(bursts(44100), 44100) == pytest.approx(at_8k, abs=0.05)


def p56_by_the_sample(x: npt.NDArray[np.float32], rate: int) -> float:
    """P.56 method B as G.191's sv56 runs it: one sample at a time, a hangover counter per
    threshold (a plain loop, the reference for the vectorised meter)."""
    g = float(np.exp(-1.0 / (rate * 0.03)))
    hangover = round(0.2 * rate)
    thresholds = [2.0**-k for k in range(15, -1, -1)]
    active, hang = [0] * 16, [hangover] * 16
    p = q = sq = 0.0
    for v in np.asarray(x, dtype=np.float64).tolist():
        sq += v * v
        p = g * p + (1.0 - g) * abs(v)
        q = g * q + (1.0 - g) * p
        for j, c in enumerate(thresholds):
            if q >= c:
                active[j] += 1
                hang[j] = 0
            elif hang[j] < hangover:
                active[j] += 1
                hang[j] += 1
    prev: tuple[float, float] | None = None
    for j, c in enumerate(thresholds):
        if active[j] == 0:
            break
        a_db = 10.0 * np.log10(sq / active[j])
        delta = a_db - 20.0 * np.log10(c)
        if delta <= 15.9:
            if prev is None:
                return float(a_db)
            return g191_bin_interp(float(a_db), prev[0], float(a_db - delta), prev[0] - prev[1])
        prev = (float(a_db), float(delta))
    return SILENCE_DB if prev is None else prev[0]


def g191_bin_interp(up: float, low: float, up_thr: float, low_thr: float) -> float:
    """sv-p56.c's bin_interp (G.191 STL 2005+), step by step: bisect until the margin is met
    within 0.5 dB, the tolerance widened by 10% each round after 20."""
    tol, margin = 0.5, 15.9
    if abs(up - up_thr - margin) < tol:
        return up
    if abs(low - low_thr - margin) < tol:
        return low
    mid, mid_thr, rounds = (up + low) / 2, (up_thr + low_thr) / 2, 1
    while abs(mid - mid_thr - margin) > tol:
        rounds += 1
        if rounds > 20:
            tol *= 1.1
        if mid - mid_thr - margin > tol:
            mid, mid_thr = (up + mid) / 2, (up_thr + mid_thr) / 2
            low, low_thr = mid, mid_thr
        elif mid - mid_thr - margin < -tol:
            mid, mid_thr = (mid + low) / 2, (mid_thr + low_thr) / 2
            up, up_thr = mid, mid_thr
    return mid


def test_active_level_equals_the_sample_by_sample_meter(
    speech: tuple[npt.NDArray[np.float32], int],
) -> None:
    samples, rate = speech
    at_8k = dsp.resample(samples, rate, 8000)[:14000]
    quiet = np.concatenate([tone(700, 0.3, dbov=-70), silence(0.4), noise(0.5, dbfs=-75)])
    for x in (at_8k, at_8k * np.float32(0.03), quiet, at_8k[:700]):
        assert dsp.active_level_dbov(x, 8000) == pytest.approx(p56_by_the_sample(x, 8000), abs=1e-9)


@pytest.mark.parametrize("n", [1, 1023, 1024, 1025, 3 * 1024 + 7])
def test_p56_envelope_equals_two_one_pole_recursions(n: int) -> None:
    g = float(np.exp(-1.0 / 240.0))
    u = np.abs(np.random.default_rng(n).standard_normal(n))
    u[n // 2 :] *= 1e-4  # loud, then quiet: what the block carries must not swamp it
    y1 = y2 = 0.0
    want = []
    for v in u.tolist():
        y1 = g * y1 + (1.0 - g) * v
        y2 = g * y2 + (1.0 - g) * y1
        want.append(y2)
    assert np.allclose(dsp._smooth2(u, g), want, rtol=1e-12, atol=0.0)


def test_p56_thresholds_reached_equals_a_search() -> None:
    rng = np.random.default_rng(3)
    values = np.concatenate(
        [2.0 ** rng.uniform(-20, 1, 5000), 2.0 ** np.arange(-17.0, 2.0), [0.0, -0.0, -1e-300]]
    )
    thresholds = 2.0 ** np.arange(-15.0, 1.0)
    want = np.searchsorted(thresholds, np.maximum(values, 0.0), side="right")
    assert np.array_equal(dsp._thresholds_reached(values), want)


def test_active_level_silence_returns_silence_db() -> None:
    assert dsp.active_level_dbov(silence(1.0), 8000) == SILENCE_DB
    assert dsp.active_level_dbov(np.zeros(0, np.float32), 8000) == SILENCE_DB


def test_peak_dbfs_half_scale_reads_minus_6() -> None:
    x = np.array([0.0, -0.5, 0.25], np.float32)
    assert dsp.peak_dbfs(x) == pytest.approx(-6.0206, abs=1e-3)
    assert dsp.peak_dbfs(silence(0.1)) == SILENCE_DB


# --- writers read back by independent tools --------------------------------------------------


@pytest.mark.parametrize("n", [800, 801])
@pytest.mark.parametrize(("codec", "sox_enc"), [("ulaw", "u-law"), ("alaw", "a-law")])
def test_g711_wav_header_is_identical_to_sox(
    tmp_path: Path, n: int, codec: Codec, sox_enc: str
) -> None:
    pcm = dsp.to_pcm16(tone(440, n / 8000, dbov=-12))
    src = tmp_path / "in.wav"
    src.write_bytes(wavfile.pcm16_wav_bytes(pcm))
    out = tmp_path / "sox.wav"
    run("sox", "-D", str(src), "-r", "8000", "-c", "1", "-e", sox_enc, str(out))
    ours = wavfile.g711_wav_bytes(pcm, codec)
    theirs = out.read_bytes()
    assert len(ours) == len(theirs) == 58 + n + n % 2
    assert ours[:58] == theirs[:58]
    assert struct.unpack_from("<H", ours, 20)[0] == (7 if codec == "ulaw" else 6)


READER_NAMES = {"ulaw": ("ULAW", "pcm_mulaw", "u-law"), "alaw": ("ALAW", "pcm_alaw", "a-law")}


@pytest.mark.parametrize("codec", ["ulaw", "alaw"])
def test_g711_wav_is_read_by_soundfile_ffprobe_and_soxi(
    tmp_path: Path, processed: chain.Processed, codec: Codec
) -> None:
    subtype, ffcodec, soxenc = READER_NAMES[codec]
    path = tmp_path / "welcome.wav"
    path.write_bytes(wavfile.g711_wav_bytes(processed.pcm, codec))
    info = soundfile.info(str(path))
    assert (info.format, info.subtype) == ("WAV", subtype)
    assert (info.samplerate, info.channels, info.frames) == (8000, 1, processed.pcm.size)
    decoded, _ = soundfile.read(str(path), dtype="int16")
    assert np.array_equal(decoded, g711.decode(g711.encode(processed.pcm, codec), codec))
    probe = json.loads(run("ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)))[
        "streams"
    ][0]
    assert (probe["codec_name"], probe["sample_rate"], probe["channels"]) == (ffcodec, "8000", 1)
    assert run("soxi", "-r", str(path)).strip() == b"8000"
    assert run("soxi", "-s", str(path)).strip() == str(processed.pcm.size).encode()
    assert soxenc.split("-", maxsplit=1)[0] in run("soxi", "-e", str(path)).decode().lower()


def test_pcm16_wav_is_read_by_soundfile_ffprobe_and_sox(
    tmp_path: Path, processed: chain.Processed
) -> None:
    path = tmp_path / "welcome.wav"
    data = wavfile.pcm16_wav_bytes(processed.pcm)
    assert len(data) == 44 + 2 * processed.pcm.size
    path.write_bytes(data)
    decoded, rate = soundfile.read(str(path), dtype="int16")
    assert rate == 8000
    assert soundfile.info(str(path)).subtype == "PCM_16"
    assert np.array_equal(decoded, processed.pcm)
    probe = json.loads(run("ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)))[
        "streams"
    ][0]
    assert (probe["codec_name"], probe["sample_rate"], probe["channels"]) == (
        "pcm_s16le",
        "8000",
        1,
    )
    sox_pcm = np.frombuffer(run("sox", str(path), "-t", "s16", "-"), "<i2")
    assert np.array_equal(sox_pcm, processed.pcm)


@pytest.mark.parametrize(("codec", "sox_type"), [("ulaw", "ul"), ("alaw", "al")])
def test_raw_g711_is_read_by_sox_as_the_processed_prompt(
    tmp_path: Path, processed: chain.Processed, codec: Codec, sox_type: str
) -> None:
    path = tmp_path / f"welcome.{codec}"
    path.write_bytes(wavfile.raw_bytes(processed.pcm, codec))
    assert path.stat().st_size == processed.pcm.size
    sox_pcm = np.frombuffer(
        run("sox", "-t", sox_type, "-r", "8000", "-c", "1", str(path), "-t", "s16", "-"), "<i2"
    )
    err = (sox_pcm.astype(np.float64) - processed.pcm) / 32768
    assert db_of(err) < processed.level_dbov - 25


# --- reader ----------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["ulaw", "alaw"])
def test_read_audio_own_g711_wav_has_no_findings(tmp_path: Path, codec: Codec) -> None:
    pcm = dsp.to_pcm16(tone(440, 0.25, dbov=-20))
    path = tmp_path / "t.wav"
    path.write_bytes(wavfile.g711_wav_bytes(pcm[:-1], codec))
    f = wavfile.read_audio(path)
    assert (f.container, f.codec, f.sample_rate, f.channels, f.bits) == ("wav", codec, 8000, 1, 8)
    assert f.header_findings == []
    assert f.format_tag == (7 if codec == "ulaw" else 6)
    assert np.array_equal(f.samples, g711.decode(g711.encode(pcm[:-1], codec), codec))


def test_read_audio_sox_pcm_wav_formats_decode(tmp_path: Path) -> None:
    pcm = dsp.to_pcm16(tone(440, 0.25, dbov=-10))
    src = tmp_path / "in.wav"
    src.write_bytes(wavfile.pcm16_wav_bytes(pcm))
    for bits, codec in [("8", "pcm8"), ("24", "pcm24"), ("32", "pcm32")]:
        out = tmp_path / f"b{bits}.wav"
        run("sox", "-D", str(src), "-b", bits, str(out))
        f = wavfile.read_audio(out)
        assert f.codec == codec
        assert int(np.max(np.abs(f.samples.astype(np.int32) - pcm))) <= 256
    out = tmp_path / "float.wav"
    run("sox", str(src), "-e", "floating-point", "-b", "32", str(out))
    f = wavfile.read_audio(out)
    assert f.codec == "float"
    assert np.array_equal(f.samples, pcm)


def test_read_audio_stereo_wav_keeps_first_channel(tmp_path: Path) -> None:
    left = dsp.to_pcm16(tone(440, 0.1))
    path = tmp_path / "st.wav"
    soundfile.write(str(path), np.stack([left, np.zeros_like(left)], axis=1), 8000)
    f = wavfile.read_audio(path)
    assert f.channels == 2
    assert np.array_equal(f.samples, left)


def test_read_audio_raw_with_riff_header_reports_it(tmp_path: Path) -> None:
    path = tmp_path / "welcome.ulaw"
    path.write_bytes(wavfile.g711_wav_bytes(dsp.to_pcm16(tone(440, 0.1)), "ulaw"))
    f = wavfile.read_audio(path)
    assert (f.container, f.codec) == ("raw", "ulaw")
    assert len(f.header_findings) == 1
    assert "starts with a RIFF (WAV) header" in f.header_findings[0]


def test_read_audio_raw_codec_override_reads_any_extension(tmp_path: Path) -> None:
    pcm = dsp.to_pcm16(tone(440, 0.1))
    path = tmp_path / "prompt.bin"
    path.write_bytes(wavfile.raw_bytes(pcm, "alaw"))
    f = wavfile.read_audio(path, raw_codec="alaw")
    assert f.codec == "alaw"
    assert np.array_equal(f.samples, g711.decode(g711.encode(pcm, "alaw"), "alaw"))


def test_read_audio_sln_reads_16bit_raw(tmp_path: Path) -> None:
    pcm = dsp.to_pcm16(tone(440, 0.1))
    path = tmp_path / "p.sln"
    path.write_bytes(pcm.astype("<i2").tobytes() + b"\x01")
    f = wavfile.read_audio(path)
    assert (f.codec, f.bits) == ("pcm16", 16)
    assert np.array_equal(f.samples, pcm)
    assert f.header_findings == ["16-bit raw file has an odd size (1601 bytes); it is truncated"]


def test_read_audio_truncated_wav_decodes_what_is_there(tmp_path: Path) -> None:
    pcm = dsp.to_pcm16(tone(440, 0.5))
    path = tmp_path / "cut.wav"
    path.write_bytes(wavfile.g711_wav_bytes(pcm, "ulaw")[:-1000])
    f = wavfile.read_audio(path)
    assert f.samples.size == pcm.size - 1000
    assert any("data chunk says 4000 bytes but only 3000 follow" in s for s in f.header_findings)
    riff = "RIFF size field says 4058 bytes but the file has 3058"
    assert any(riff in s for s in f.header_findings)


def test_read_audio_g711_wav_without_fact_and_short_fmt_reports_both(tmp_path: Path) -> None:
    n = 100
    body = b"\xff" * n
    data = (
        b"RIFF"
        + struct.pack("<I", 4 + 24 + 8 + n)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 7, 1, 8000, 8000, 1, 8)
        + b"data"
        + struct.pack("<I", n)
        + body
    )
    path = tmp_path / "short.wav"
    path.write_bytes(data)
    f = wavfile.read_audio(path)
    assert f.codec == "ulaw"
    assert f.header_findings == [
        "fmt chunk is 16 bytes; a non-PCM WAV (mu-law) needs the 18-byte WAVEFORMATEX with cbSize",
        "no fact chunk; a non-PCM WAV (mu-law) must give its sample count in one",
    ]


def test_read_audio_odd_data_without_pad_is_reported(tmp_path: Path) -> None:
    data = wavfile.g711_wav_bytes(np.zeros(5, np.int16), "ulaw")[:-1]
    data = data[:4] + struct.pack("<I", len(data) - 8) + data[8:]
    path = tmp_path / "odd.wav"
    path.write_bytes(data)
    f = wavfile.read_audio(path)
    assert f.header_findings == [
        "data chunk has an odd size (5) without the pad byte RIFF requires"
    ]


def test_read_audio_unknown_wav_codec_is_not_decoded(tmp_path: Path) -> None:
    path = tmp_path / "gsm.wav"
    run(
        "sox", "-n", "-r", "8000", "-c", "1", "-e", "gsm-full-rate", str(path),
        "synth", "0.2", "sine", "440",
    )  # fmt: skip
    f = wavfile.read_audio(path)
    assert (f.codec, f.decoded, f.samples.size) == ("other", False, 0)


@pytest.mark.parametrize("ext", ["flac", "ogg"])
def test_read_audio_compressed_file_decodes_through_ffmpeg(tmp_path: Path, ext: str) -> None:
    src = tmp_path / "in.wav"
    pcm = dsp.to_pcm16(tone(440, 0.5, 16000, dbov=-12))
    src.write_bytes(wavfile.pcm16_wav_bytes(pcm, 16000))
    path = tmp_path / f"prompt.{ext}"
    run("ffmpeg", "-v", "error", "-i", str(src), str(path))
    f = wavfile.read_audio(path)
    assert (f.container, f.codec, f.sample_rate, f.channels) == ("other", "other", 16000, 1)
    assert f.samples.size == pytest.approx(pcm.size, abs=1200)
    assert dsp.active_level_dbov(dsp.to_float(f.samples), 16000) == pytest.approx(-12, abs=0.5)


def test_read_audio_without_ffmpeg_raises_with_fix(tmp_path: Path) -> None:
    path = tmp_path / "prompt.mp3"
    path.write_bytes(b"\0" * 100)
    with pytest.raises(AudioError, match=r"prompt\.mp3: reading \.mp3 files needs ffmpeg"):
        wavfile.read_audio(path, ffmpeg="no-such-ffmpeg-binary")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"OggS" + b"\0" * 60, "not a RIFF/WAVE file; convert it with sox"),
        (b"RIFF\x04\0\0\0WAVE", "WAV without a usable fmt chunk"),
        (wavfile.pcm16_wav_bytes(np.zeros(0, np.int16))[:36], "WAV without a data chunk"),
    ],
)
def test_read_audio_unreadable_wav_raises_audio_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match=message) as info:
        wavfile.read_audio(path)
    assert info.value.message.startswith(f"{path}: ")


def test_read_audio_unknown_raw_codec_raises_audio_error(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="raw codec 'gsm' is unknown; use ulaw, alaw or pcm16"):
        wavfile.read_audio(tmp_path / "p.gsm", raw_codec="gsm")


def test_read_audio_missing_file_raises_audio_error(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="cannot read"):
        wavfile.read_audio(tmp_path / "nope.ulaw")
