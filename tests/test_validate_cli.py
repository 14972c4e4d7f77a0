from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import numpy.typing as npt

from ivr_prompts.audio import dsp, wavfile

from .conftest import run_cli


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


def test_validate_cli_missing_path_is_a_finding(tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "nope.wav"))
    assert result.returncode == 1
    assert "nope.wav" in result.stdout
