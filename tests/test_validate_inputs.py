"""`validate` on paths that are not prompt files: each gets one line that says what it is."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np

from ivr_prompts.audio import dsp, wavfile

from .conftest import run_cli

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)


def _good_wav() -> bytes:
    # Faded in and out with a pad of silence: a tone that starts at full amplitude clicks.
    t = np.arange(8000) / 8000
    ramp = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.03)
    tone = np.concatenate([np.zeros(400), 0.1 * np.sin(2 * np.pi * 440 * t) * ramp, np.zeros(400)])
    return wavfile.pcm16_wav_bytes(dsp.to_pcm16(tone.astype("f4")))


def _messages(*args: str) -> tuple[int, dict[str, str]]:
    result = run_cli("validate", *args, "--format", "json")
    found = json.loads(result.stdout)
    return result.returncode, {Path(f["file"]).name: f["message"] for f in found}


def test_validate_fifo_is_named_not_missing(tmp_path: Path) -> None:
    fifo = tmp_path / "stream.wav"
    os.mkfifo(fifo)
    code, messages = _messages(str(fifo))
    assert code == 1
    assert messages == {
        "stream.wav": "a named pipe (FIFO), not a file; save the stream to a file and validate that"
    }


def test_validate_device_is_named_and_not_read() -> None:
    code, messages = _messages("/dev/zero")
    assert code == 1
    assert messages == {"zero": "a device, not a file; validate reads audio files"}


def test_validate_image_and_text_say_what_they_are(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(PNG)
    (tmp_path / "notes.txt").write_text("call flow: welcome, then menu\n")
    code, messages = _messages(str(tmp_path / "logo.png"), str(tmp_path / "notes.txt"))
    assert code == 1
    assert messages["logo.png"].endswith(
        "logo.png: no audio stream (it is a PNG image); check the file"
    )
    assert messages["notes.txt"].endswith(
        "notes.txt: no audio stream (it is a text file); check the file"
    )
    assert not any("trailing '?'" in m for m in messages.values())


def test_validate_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "session.wav"
    with big.open("wb") as f:  # sparse: 2 GB on paper, nothing on disk
        f.truncate(2_000_000_000)
    code, messages = _messages(str(big))
    assert code == 1
    assert messages == {
        "session.wav": "2,000 MB, over the 100 MB validate reads (a prompt is seconds long); "
        "trim or split the recording first"
    }


def test_validate_fmt_chunk_past_the_end_is_named(tmp_path: Path) -> None:
    data = bytearray(_good_wav())
    struct.pack_into("<I", data, 16, 0x7FFF_FFF0)  # the fmt chunk's size field
    (tmp_path / "broken.wav").write_bytes(bytes(data))
    code, messages = _messages(str(tmp_path / "broken.wav"))
    assert code == 1
    assert messages["broken.wav"].endswith(
        f"the fmt chunk says {0x7FFF_FFF0} bytes, past the end of the {len(data)}-byte file; "
        "the header is corrupt: re-export it as a standard WAV"
    )


def test_validate_level_nan_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a.wav").write_bytes(_good_wav())
    for bad in ("nan", "inf", "-inf"):
        result = run_cli("validate", str(tmp_path / "a.wav"), "--level", bad)
        assert result.returncode == 2, bad
        assert "Traceback" not in result.stderr
        assert "--level" in result.stderr


def test_validate_junit_is_valid_xml_whatever_the_file_names(tmp_path: Path) -> None:
    names = [b"esc\x1bape.wav", b"caf\xe9.wav", b"tab\tbed.wav"]
    for name in names:
        (tmp_path / os.fsdecode(name)).write_bytes(b"RIFF0000WAVEjunk")
    result = run_cli("validate", str(tmp_path), "--format", "junit")
    assert result.returncode == 1
    suite = ET.fromstring(result.stdout)  # raises on invalid XML
    cases = [case.get("name", "") for case in suite.iter("testcase")]
    assert len(cases) == 3
    assert any("esc\\x1bape.wav" in c for c in cases)
    assert any("caf\\udce9.wav" in c for c in cases)


def test_validate_text_output_with_undecodable_name_has_no_traceback(tmp_path: Path) -> None:
    # Two seconds of silence: a finding, so the text output names the file.
    silent = wavfile.pcm16_wav_bytes(np.zeros(16000, dtype=np.int16))
    (tmp_path / os.fsdecode(b"caf\xe9.wav")).write_bytes(silent)
    # The name goes out as the bytes it has on disk, as ls prints it: read bytes, not text.
    result = subprocess.run(
        [sys.executable, "-m", "ivr_prompts", "validate", str(tmp_path)],
        capture_output=True,
        check=False,
    )
    assert b"Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr
    assert b"caf\xe9.wav" in result.stdout


def test_validate_json_with_undecodable_name_is_valid_utf8_json(tmp_path: Path) -> None:
    silent = wavfile.pcm16_wav_bytes(np.zeros(16000, dtype=np.int16))
    (tmp_path / os.fsdecode(b"caf\xe9.wav")).write_bytes(silent)
    result = subprocess.run(
        [sys.executable, "-m", "ivr_prompts", "validate", str(tmp_path), "--format", "json"],
        capture_output=True,
        check=False,
    )
    found = json.loads(result.stdout.decode("utf-8"))  # raises on bytes that are not UTF-8
    assert result.returncode == 1
    assert {Path(f["file"]).name for f in found} == {"caf\udce9.wav"}
