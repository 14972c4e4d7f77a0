"""What the Waves engine's audio becomes, through the real CLI and the local contract server:
a click far above the speech, and the sample set spoken by a voice at a normal IVR pace."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from ivr_prompts.audio.dsp import active_level_dbov

from .conftest import Project
from .test_waves_build import KEY, cli
from .waves_server import WavesServer

ROOT = Path(__file__).resolve().parent.parent

CLICK_TOML = """
[project]
name = "click"
output = "dist"
cache = "cache"

[synth]
engine = "waves"

[locales.en-US]
language = "en"
voice = "magnus"

[[prompts]]
id = "main/sorry"
text = "Sorry, I did not get that. Please say it again."
"""


@pytest.fixture
def server() -> Iterator[WavesServer]:
    with WavesServer(api_key=KEY, concurrency=2, retry_after="0", chars_per_second=13.0) as s:
        yield s


def decoded(path: Path, fmt: str) -> npt.NDArray[np.float32]:
    """The published file as sox (raw G.711) or libsndfile (WAV) decodes it."""
    if fmt in ("ulaw", "alaw"):
        raw = subprocess.run(
            ["sox", "-t", "ul" if fmt == "ulaw" else "al", "-r", "8000", "-c", "1", str(path),
             "-t", "raw", "-e", "floating-point", "-b", "32", "-"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        return np.frombuffer(raw, dtype="<f4").copy()
    data, rate = soundfile.read(str(path), dtype="float32")
    assert rate == 8000
    return np.asarray(data, dtype=np.float32)


def db(value: float) -> float:
    return float(20 * np.log10(value)) if value > 0 else -100.0


def test_waves_click_30db_over_speech_is_published_at_target(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(CLICK_TOML)
    server.script("click")
    result = cli(path, "build", url=server.url)
    assert result.returncode == 0, result.stderr
    assert [r.fault for r in server.tts_records()] == ["click"]
    out = path.parent / "dist"
    record = json.loads((out / "manifest.json").read_text())["prompts"][0]
    assert len(record["files"]) == 4
    for f in record["files"]:
        x = decoded(out / f["path"], f["format"])
        assert active_level_dbov(x, 8000) == pytest.approx(-26.0, abs=1.0), f["path"]
        assert db(float(np.max(np.abs(x)))) <= -1.0, f["path"]


def test_waves_sample_set_at_13_chars_a_second_builds_within_its_limits(
    tmp_path: Path, server: WavesServer
) -> None:
    work = tmp_path / "sample"
    work.mkdir()
    shutil.copy(ROOT / "prompts.toml", work / "prompts.toml")
    shutil.copytree(ROOT / "templates", work / "templates")
    shutil.copytree(ROOT / "pronunciations", work / "pronunciations")
    result = cli(work / "prompts.toml", "build", "--engine", "waves", url=server.url)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((work / "dist" / "manifest.json").read_text())
    records = {(r["id"], r["locale"]): r for r in manifest["prompts"]}
    assert len(records) == 38
    assert {r["engine"] for r in records.values()} == {"waves"}
    # The Spanish menu at a normal pace: about 22 s, under [limits].max_seconds.
    menu = records[("main/menu", "es-US")]
    assert 18.0 < menu["duration_s"] < 30.0
    # The speed of each locale reached the voice: en-US asks for 0.75 of its pace, and the
    # balance prompt for 0.85 in both locales.
    speeds = {(r.body["text"][:20], r.body["speed"]) for r in server.tts_records()}
    assert {s for _, s in speeds} == {0.75, 0.85, 1.0}
    # The stand-in voice speaks about 13 chars/s at speed 1.0 (of the spoken, verbalized text).
    for (pid, code), r in records.items():
        words = len(r["spoken_text"].split())
        if words >= 5:
            speech_s = words * 60 / r["words_per_minute"]
            cps = len(" ".join(r["spoken_text"].split())) / speech_s
            expected = 13.0 * r["speed"]
            assert cps == pytest.approx(expected, rel=0.2), (pid, code)
