"""HD prompts: 16 kHz files from the synthesis, read back by sox and ffmpeg."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from ivr_prompts import audio, cache, config
from ivr_prompts.errors import AudioError, ConfigError
from ivr_prompts.export import hd

from .conftest import BASE_TOML, Project, run_cli
from .engines import CountingEngine, build_with

HD_TOML = BASE_TOML.replace(
    "[locales.en-US]",
    '[publish]\ntargets = ["asterisk", "freeswitch"]\nhd = true\n\n[locales.en-US]',
)


def ffmpeg_pcm(path: Path, *input_args: str) -> tuple[np.ndarray, int]:
    """Decode with ffmpeg (an independent decoder) to 16-bit PCM at the file's own rate."""
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            *input_args,
            "-show_entries",
            "stream=sample_rate,codec_name",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    stream = json.loads(probe.stdout)["streams"][0]
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", *input_args, "-i", str(path), "-f", "s16le", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.int16), int(stream["sample_rate"])


def sox_pcm(path: Path, *input_args: str) -> np.ndarray:
    """Decode with sox to 16-bit PCM (format given by `input_args` for headerless files)."""
    raw = subprocess.run(
        ["sox", *input_args, str(path), "-t", "raw", "-e", "signed", "-b", "16", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.int16)


def soxi(path: Path) -> dict[str, str]:
    out = subprocess.run(["soxi", str(path)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Best normalised cross-correlation within a few ms (codecs add a small delay)."""
    n = min(a.size, b.size) - 64
    x = a[:n].astype(np.float64)
    best = 0.0
    for lag in range(64):
        y = b[lag : lag + n].astype(np.float64)
        best = max(best, float(np.dot(x, y) / np.sqrt(np.dot(x, x) * np.dot(y, y))))
    return best


def test_hd_build_publishes_16k_files_read_by_sox_and_ffmpeg(
    make_project: Project, tmp_path: Path
) -> None:
    cfg = config.load(make_project(HD_TOML))
    build_with(cfg, CountingEngine())
    base = cfg.project.output / "asterisk" / "en" / "main" / "welcome"

    sln16 = base.with_suffix(".sln16")
    reference, rate = ffmpeg_pcm(sln16, "-f", "s16le", "-ar", "16000", "-ac", "1")
    assert rate == 16000
    assert reference.size == sln16.stat().st_size // 2
    raw_args = ("-t", "raw", "-r", "16000", "-e", "signed", "-b", "16", "-c", "1")
    assert np.array_equal(sox_pcm(sln16, *raw_args), reference)
    # Really 16 kHz audio: energy above 4 kHz, which an 8 kHz file cannot hold.
    spectrum = np.abs(np.fft.rfft(reference.astype(np.float64)))
    freqs = np.fft.rfftfreq(reference.size, 1 / 16000)
    assert spectrum[freqs > 4200].sum() > 0.01 * spectrum.sum()

    wav16 = base.with_suffix(".wav16")
    as_wav = Path(shutil.copy(wav16, tmp_path / "welcome16.wav"))  # soxi goes by extension
    info = soxi(as_wav)
    assert (info["Sample Rate"], info["Channels"], info["Precision"]) == ("16000", "1", "16-bit")
    assert np.array_equal(sox_pcm(wav16, "-t", "wav"), reference)
    data, sf_rate = soundfile.read(str(as_wav), dtype="int16")
    assert sf_rate == 16000
    assert np.array_equal(data, reference)

    g722 = base.with_suffix(".g722")
    decoded, g_rate = ffmpeg_pcm(g722)
    assert g_rate == 16000
    assert abs(decoded.size - reference.size) <= 2
    assert correlation(reference, decoded) > 0.95
    assert g722.stat().st_size == (reference.size + 1) // 2  # 64 kbit/s: 4 bits per sample

    voice = cfg.project.output / "freeswitch" / "en" / "us" / "ivr" / "main"
    data, fs_rate = soundfile.read(str(voice / "16000" / "welcome.wav"), dtype="int16")
    assert fs_rate == 16000
    assert np.array_equal(data, reference)
    data8, rate8 = soundfile.read(str(voice / "8000" / "welcome.wav"), dtype="int16")
    assert rate8 == 8000
    assert abs(data8.size * 2 - data.size) < 400  # same prompt, same trim, half the rate


def test_hd_files_in_manifest_and_second_build_reprocesses_nothing(make_project: Project) -> None:
    cfg = config.load(make_project(HD_TOML))
    build_with(cfg, CountingEngine())
    manifest = json.loads((cfg.project.output / "manifest.json").read_text(encoding="utf-8"))
    formats = {f["format"] for r in manifest["prompts"] for f in r["files"]}
    assert {"sln16", "pcm16-wav16", "g722"} <= formats
    engine = CountingEngine()
    report = build_with(cfg, engine)
    assert engine.requests == []
    assert report.processed == 0
    assert not report.published


def test_hd_turned_on_later_uses_cached_synthesis(make_project: Project) -> None:
    toml = make_project(BASE_TOML)
    build_with(config.load(toml), CountingEngine())
    toml.write_text(HD_TOML, encoding="utf-8")
    engine = CountingEngine()
    report = build_with(config.load(toml), engine)
    assert engine.requests == []  # from the cached synthesis, not the engine
    assert report.published
    assert report.plan is not None
    assert (report.plan.config.project.output / "asterisk/es/main/welcome.g722").is_file()


def test_g722_codec_matches_ffmpeg_decoder(tmp_path: Path) -> None:
    t = np.arange(16000) / 16000
    tone = (8000 * np.sin(2 * np.pi * 1000 * t) + 3000 * np.sin(2 * np.pi * 6000 * t)).astype(
        np.int16
    )
    path = tmp_path / "tone.g722"
    path.write_bytes(hd.encode(tone, "g722"))
    decoded, rate = ffmpeg_pcm(path)
    assert rate == 16000
    assert correlation(tone, decoded) > 0.99
    ours = hd.g722_decode(path.read_bytes())
    assert correlation(decoded, ours) > 0.999


def test_hd_reader_flags_wrong_rate_for_validation(tmp_path: Path) -> None:
    path = tmp_path / "x.wav16"
    path.write_bytes(audio.pcm16_wav_bytes(np.zeros(800, np.int16), 8000))
    file = hd.read_file(path, "pcm16-wav16")
    assert file.sample_rate == 8000


def test_hd_file_removed_by_hand_found_by_check_and_restored(make_project: Project) -> None:
    toml = make_project(HD_TOML)
    cfg = config.load(toml)
    build_with(cfg, CountingEngine())
    g722 = cfg.project.output / "asterisk" / "es" / "main" / "hours.g722"
    before = g722.read_bytes()
    g722.unlink()
    result = run_cli("check", "--config", str(toml))
    assert result.returncode == 1
    assert "dist/asterisk/es/main/hours.g722" in result.stdout
    engine = CountingEngine()
    build_with(cfg, engine)
    assert engine.requests == []
    assert g722.read_bytes() == before


def test_hd_with_narrowband_waves_refused_in_config(make_project: Project) -> None:
    toml = HD_TOML.replace('engine = "espeak"', 'engine = "waves"')
    with pytest.raises(ConfigError) as info:
        config.load(make_project(toml))
    assert info.value.problems == [
        "prompts.toml: publish.hd: needs wideband audio but waves.sample_rate is 8000; "
        "set it to 16000 or more"
    ]


def test_hd_from_narrowband_synthesis_fails_with_fix() -> None:
    synth = cache.AudioEntry(np.zeros(8000, np.int16), 8000, {})
    with pytest.raises(AudioError) as info:
        hd.process_hd(synth, config.AudioSettings())
    assert info.value.message == (
        "publish.hd needs a synthesis at 16000 Hz or more, the engine gave 8000 Hz "
        "(Waves: set waves.sample_rate = 24000)"
    )


def test_hd_without_g722_extra_fails_naming_extra(make_project: Project, tmp_path: Path) -> None:
    # A Python where the `hd` extra is not installed: G722 cannot be imported.
    blocker = tmp_path / "no-g722"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['G722'] = None\n")
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")])
    )
    toml = make_project(HD_TOML)
    result = run_cli("build", "--config", str(toml), env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: prompts.toml: publish.hd: needs the G722 package: install it with "
        "pip install 'ivr-prompts[hd]'"
    ]
    assert (
        run_cli("plan", "--config", str(toml)).returncode == 0
    )  # with G722, the same file is fine


def test_hd_build_publishes_the_8khz_render_as_sln_beside_the_hd_files(
    make_project: Project,
) -> None:
    """`.sln` (raw 16-bit 8 kHz) is the 8 kHz render itself: the samples the .ulaw was coded
    from, so a slin channel plays them instead of Asterisk's resample of the 16 kHz file."""
    cfg = config.load(make_project(HD_TOML))
    build_with(cfg, CountingEngine())
    base = cfg.project.output / "asterisk" / "en" / "main" / "welcome"
    sln = sox_pcm(base.with_suffix(".sln"), "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16")
    ulaw = sox_pcm(base.with_suffix(".ulaw"), "-t", "ul", "-r", "8000", "-c", "1")
    assert sln.size == ulaw.size
    assert np.array_equal(audio.ulaw_decode(audio.ulaw_encode(sln)), ulaw)  # sox decodes exactly
    manifest = json.loads((cfg.project.output / "manifest.json").read_text(encoding="utf-8"))
    files = {f["path"]: f["format"] for r in manifest["prompts"] for f in r["files"]}
    assert files["asterisk/en/main/welcome.sln"] == "sln"


def tone_mix(rate: int, seconds: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    x = 0.1 * np.sin(2 * np.pi * 200 * t) + 0.1 * np.sin(2 * np.pi * 1000 * t)
    x *= np.minimum(1.0, np.minimum(t, seconds - t) / 0.05)  # 50 ms fades: no click at the cuts
    return np.concatenate([np.zeros(rate // 4), x, np.zeros(rate // 4)]).astype(np.float32)


def band_db(pcm: np.ndarray, rate: int, hz: float) -> float:
    """The level of a tone at `hz` in the middle 0.5 s (a whole number of cycles) of `pcm`."""
    mid = pcm.size // 2
    x = pcm[mid - rate // 4 : mid + rate // 4].astype(np.float64)
    t = np.arange(x.size) / rate
    amplitude = 2 / x.size * abs(np.sum(x * np.exp(-2j * np.pi * hz * t)))
    return float(20 * np.log10(amplitude))


def test_hd_render_keeps_200hz_the_8khz_render_cuts() -> None:
    """The HD render's high-pass is at 50 Hz (wideband): a 200 Hz tone stays within 0.1 dB of a
    1 kHz one; the 8 kHz render's 250 Hz telephone-band corner cuts it by 8 dB."""
    settings = config.AudioSettings()
    synth = cache.AudioEntry(audio.to_pcm16(tone_mix(24000, 1.0)), 24000, {})
    wide = hd.process_hd(synth, settings).samples
    assert abs(band_db(wide, 16000, 200) - band_db(wide, 16000, 1000)) < 0.1
    narrow = audio.process(tone_mix(24000, 1.0), 24000, settings).pcm
    assert band_db(narrow, 8000, 1000) - band_db(narrow, 8000, 200) > 6.0


@pytest.mark.parametrize("gain_db", [-30.0, -12.0, -3.0])
def test_hd_render_level_lands_within_005_db_of_target(gain_db: float) -> None:
    """Re-measured after the last gain: the 16 kHz file's P.56 level (G.191's algorithm, which
    `actlevel` confirms to 0.001 dB) is the target within 0.05 dB, from any input level."""
    settings = config.AudioSettings()
    rng = np.random.default_rng(7)
    t = np.arange(24000 * 2) / 24000
    bursts = (
        (np.sin(2 * np.pi * 3 * t) > 0.2) * rng.normal(0, 1, t.size) * np.sin(2 * np.pi * 0.5 * t)
    )
    x = (bursts / np.abs(bursts).max() * 10 ** (gain_db / 20)).astype(np.float32)
    wide = hd.process_hd(cache.AudioEntry(audio.to_pcm16(x), 24000, {}), settings).samples
    level = audio.active_level_dbov(audio.to_float(wide), 16000)
    assert abs(level - settings.level_dbov) <= 0.05
