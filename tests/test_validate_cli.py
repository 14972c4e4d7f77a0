from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import numpy.typing as npt

from ivr_prompts.audio import chain, dsp, wavfile
from ivr_prompts.config import AudioSettings
from tests.audio_fixtures import espeak_speech

from .conftest import run_cli


def speech(folder: Path) -> npt.NDArray[np.int16]:
    """Real speech (espeak-ng) processed to a clean -26 dBov prompt."""
    samples, rate = espeak_speech(folder)
    return chain.process(samples, rate, AudioSettings()).pcm


def tone(seconds: float = 1.0, level: float = 0.05) -> npt.NDArray[np.int16]:
    t = np.arange(int(8000 * seconds)) / 8000
    return dsp.to_pcm16((np.sin(2 * np.pi * 440 * t) * level).astype(np.float32))


def test_validate_cli_asterisk_refuses_mulaw_wav_and_passes_raw(tmp_path: Path) -> None:
    pcm = tone()
    (tmp_path / "good.ulaw").write_bytes(wavfile.raw_bytes(pcm, "ulaw"))
    (tmp_path / "bad.wav").write_bytes(wavfile.g711_wav_bytes(pcm, "ulaw"))
    result = run_cli("validate", str(tmp_path), "--profile", "asterisk", "--format", "json")
    assert result.returncode == 1
    findings = json.loads(result.stdout)
    assert {(Path(f["file"]).name, f["code"]) for f in findings if f["severity"] == "error"} == {
        ("bad.wav", "codec")
    }
    assert "Not a supported wav file format (7)" in findings[0]["message"]


def test_validate_cli_junit_case_per_file_and_clean_exit(tmp_path: Path) -> None:
    (tmp_path / "a.wav").write_bytes(wavfile.pcm16_wav_bytes(tone()))
    (tmp_path / "b.alaw").write_bytes(wavfile.raw_bytes(tone(), "alaw"))
    result = run_cli("validate", str(tmp_path), "--profile", "freeswitch", "--format", "junit")
    assert result.returncode == 0, result.stdout
    suite = ET.fromstring(result.stdout)
    assert (suite.get("tests"), suite.get("failures")) == ("2", "0")


def test_validate_cli_missing_path_is_usage_error(tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "nope.wav"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'nope.wav'}: no such file or directory; check the path"
    )


def test_validate_cli_folder_without_audio_is_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no audio here")
    result = run_cli("validate", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {tmp_path}: no audio file found (looked for .aac ")
    assert "ok:" not in result.stdout


def test_validate_cli_three_seconds_lead_silence_fails(tmp_path: Path) -> None:
    pcm = np.concatenate([np.zeros(24000, np.int16), speech(tmp_path)])
    (tmp_path / "late.ulaw").write_bytes(wavfile.raw_bytes(pcm, "ulaw"))
    result = run_cli("validate", str(tmp_path / "late.ulaw"))
    assert result.returncode == 1
    assert "error: lead-silence: 3.0" in result.stdout
    assert "s of silence before the first sound (max 1 s, the default)" in result.stdout


def test_validate_cli_minus_10_dbfs_dc_offset_fails(tmp_path: Path) -> None:
    x = dsp.to_float(speech(tmp_path)) + np.float32(10 ** (-10 / 20))
    (tmp_path / "dc.wav").write_bytes(wavfile.pcm16_wav_bytes(dsp.to_pcm16(x)))
    result = run_cli("validate", str(tmp_path / "dc.wav"))
    assert result.returncode == 1
    assert "error: dc: DC offset of -10.0 dBFS (limit -30 dBFS, built in)" in result.stdout


def test_validate_cli_strict_fails_on_warnings_only(tmp_path: Path) -> None:
    # A -26 dBov prompt 3 dB quiet: a level warning, no error.
    x = dsp.to_float(speech(tmp_path)) * np.float32(10 ** (-3 / 20))
    (tmp_path / "soft.wav").write_bytes(wavfile.pcm16_wav_bytes(dsp.to_pcm16(x)))
    plain = run_cli("validate", str(tmp_path / "soft.wav"), "--level", "-26")
    strict = run_cli("validate", str(tmp_path / "soft.wav"), "--level", "-26", "--strict")
    assert plain.returncode == 0
    assert strict.returncode == 1
    assert (
        "warning: level: active speech level (P.56) is -29.0 dBov; target is -26 dBov (--level)"
        in (strict.stdout)
    )
