"""The repository's own sample set, built offline on the real local engines and read back by
independent decoders (sox, ffprobe, libsndfile)."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from ivr_prompts.audio.dsp import active_level_dbov
from ivr_prompts.config import Config
from ivr_prompts.engines.registry import Engines
from ivr_prompts.flow import build as builder


@pytest.fixture(scope="module")
def built(sample_set: Config) -> Config:
    """The sample set, built once per session (conftest.py) and shared with the PBX tests."""
    return sample_set


def probe(path: Path) -> tuple[str, int, int]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,sample_rate,channels",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    stream = json.loads(out.stdout)["streams"][0]
    return stream["codec_name"], int(stream["sample_rate"]), int(stream["channels"])


def soxi(path: Path, *args: str) -> str:
    return subprocess.run(
        ["soxi", *args, str(path)], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_sample_set_every_file_read_right_by_independent_decoders(built: Config) -> None:
    out = built.project.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["prompts"]) == 38
    engines = {p["engine"] for p in manifest["prompts"]}
    assert engines == {"piper", "espeak"}
    checked = 0
    for record in manifest["prompts"]:
        for f in record["files"]:
            path = out / f["path"]
            fmt = f["format"]
            if fmt in ("ulaw", "alaw"):
                data = path.read_bytes()
                assert not data.startswith(b"RIFF")
                # Raw G.711 is one byte per sample at 8 kHz: the length is the duration.
                assert abs(len(data) / 8000 - record["duration_s"]) < 0.002
                stats = subprocess.run(
                    [
                        "sox",
                        "-t",
                        "ul" if fmt == "ulaw" else "al",
                        "-r",
                        "8000",
                        "-c",
                        "1",
                        str(path),
                        "-n",
                        "stat",
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stderr
                assert "Samples read:" in stats
            else:
                codec, rate, channels = probe(path)
                expected = {
                    "pcm16-wav": "pcm_s16le",
                    "ulaw-wav": "pcm_mulaw",
                    "alaw-wav": "pcm_alaw",
                }
                assert (codec, rate, channels) == (expected[fmt], 8000, 1)
                info = soundfile.info(str(path))
                subtype = {"pcm16-wav": "PCM_16", "ulaw-wav": "ULAW", "alaw-wav": "ALAW"}
                assert (info.samplerate, info.channels, info.subtype) == (8000, 1, subtype[fmt])
                assert soxi(path, "-r") == "8000"
                assert soxi(path, "-c") == "1"
            checked += 1
    assert checked == 38 * 4


def test_sample_set_second_build_creates_no_engine(built: Config) -> None:
    engines = Engines(built)
    report = asyncio.run(builder.build(built, engines=engines))
    assert not report.published
    assert report.synthesized == 0
    # Engines are created for their identity (cheap), but none loaded a model or spoke.
    started = engines.started.values()
    assert all(getattr(e, "loads", 0) == 0 and getattr(e, "calls", 0) == 0 for e in started)


def test_sample_set_every_file_at_target_with_quiet_edges_and_headroom(built: Config) -> None:
    """Read back by libsndfile and sox: no file starts or ends abruptly (first and last 20 ms
    under -50 dBFS), every one at the target level within 0.5 dB, peaks under the headroom."""
    out = built.project.output
    manifest = json.loads((out / "manifest.json").read_text())
    target = built.audio.level_dbov
    for record in manifest["prompts"]:
        for f in record["files"]:
            path = out / f["path"]
            if f["format"] in ("ulaw", "alaw"):
                raw = subprocess.run(
                    ["sox", "-t", "ul" if f["format"] == "ulaw" else "al", "-r", "8000", "-c",
                     "1", str(path), "-t", "raw", "-e", "floating-point", "-b", "32", "-"],
                    capture_output=True, check=True,
                ).stdout  # fmt: skip
                x = np.frombuffer(raw, dtype="<f4")
            else:
                x = soundfile.read(str(path), dtype="float32")[0]
            where = f"{f['path']}"
            assert 20 * np.log10(np.max(np.abs(x[:160])) + 1e-9) < -50.0, where
            assert 20 * np.log10(np.max(np.abs(x[-160:])) + 1e-9) < -50.0, where
            assert 20 * np.log10(np.max(np.abs(x))) <= -built.audio.peak_headroom_db, where
            assert active_level_dbov(x, 8000) == pytest.approx(target, abs=0.5), where
