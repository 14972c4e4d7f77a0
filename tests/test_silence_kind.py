"""kind = "silence": a prompt the tool makes itself, never sent to an engine, published like any."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from ivr_prompts import config
from ivr_prompts.engines.registry import Engines
from ivr_prompts.errors import ConfigError
from ivr_prompts.flow import plan
from ivr_prompts.flow.options import BuildOptions

from .conftest import Project, run_cli
from .engines import CountingEngine, build_with

PROJECT = """
[project]
name = "pauses"
cache = "cache"

[synth]
engine = "espeak"

[audio]
codecs = ["ulaw", "alaw"]

[publish]
targets = ["asterisk", "freeswitch", "wav", "genesys"]
hd = true

[locales.en-US]
language = "en"

[[prompts]]
id = "main/welcome"
text = "Welcome."

[[prompts]]
id = "silence/1"
kind = "silence"
seconds = 1

[[prompts]]
id = "pause_half"
kind = "silence"
seconds = 0.25
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CountingEngine, int]:
    root = tmp_path_factory.mktemp("silence")
    (root / "prompts.toml").write_text(PROJECT, encoding="utf-8")
    cfg = config.load(root / "prompts.toml")
    engine = CountingEngine()
    report = build_with(cfg, engine)
    return root, engine, report.processed


def test_silence_build_never_asks_an_engine(built: tuple[Path, CountingEngine, int]) -> None:
    _, engine, processed = built
    assert engine.texts == ["Welcome."]
    assert processed == 3


def test_silence_build_every_format_exact(built: tuple[Path, CountingEngine, int]) -> None:
    out = built[0] / "dist"
    asterisk = out / "asterisk" / "en" / "silence"
    assert (asterisk / "1.ulaw").read_bytes() == b"\xff" * 8000
    assert (asterisk / "1.alaw").read_bytes() == b"\xd5" * 8000
    assert (asterisk / "1.sln16").read_bytes() == b"\x00" * 32000
    for wav, rate in (
        (out / "freeswitch" / "en" / "us" / "ivr" / "silence" / "8000" / "1.wav", 8000),
        (out / "freeswitch" / "en" / "us" / "ivr" / "silence" / "16000" / "1.wav", 16000),
        (out / "wav" / "en-US" / "silence" / "1.wav", 8000),
        (out / "genesys" / "pause_half_en_us.wav", 8000),
    ):
        samples, got = soundfile.read(wav, dtype="int16")
        seconds = 0.25 if "pause" in wav.name else 1
        assert (got, samples.size) == (rate, round(seconds * rate)), wav
        assert int(np.max(np.abs(samples))) <= 2, wav


def test_silence_build_manifest_records_kind(built: tuple[Path, CountingEngine, int]) -> None:
    data = json.loads((built[0] / "dist" / "manifest.json").read_text(encoding="utf-8"))
    records = {r["id"]: r for r in data["prompts"]}
    assert "kind" not in records["main/welcome"]
    pause = records["pause_half"]
    assert {k: pause[k] for k in ("kind", "engine", "voice", "text", "spoken_text")} == {
        "kind": "silence",
        "engine": "silence",
        "voice": "",
        "text": "(0.25 seconds of silence)",
        "spoken_text": "",
    }
    assert pause["duration_s"] == 0.25
    index = built[0] / "dist" / "asterisk" / "en" / "core-sounds-en.txt"
    assert "\nsilence/1: (1 second of silence)\n" in index.read_text(encoding="utf-8")


def test_silence_rebuild_reuses_and_plans_nothing(built: tuple[Path, CountingEngine, int]) -> None:
    cfg = config.load(built[0] / "prompts.toml")
    engine = CountingEngine()
    the_plan = plan.make_plan(cfg, BuildOptions(), Engines(cfg))
    assert {p.rendered.id: p.action for p in the_plan.pairs} == {
        "main/welcome": "reuse",
        "silence/1": "reuse",
        "pause_half": "reuse",
    }
    assert engine.requests == []


def test_silence_validate_passes_declared_and_fails_silent_speech(
    built: tuple[Path, CountingEngine, int], tmp_path: Path
) -> None:
    out = built[0] / "dist"
    result = run_cli("validate", str(out / "asterisk"), str(out / "wav"), str(out / "genesys"))
    assert result.returncode == 0, result.stdout
    # The same bytes, not declared as silence: a speech prompt that says nothing.
    loose = tmp_path / "welcome.ulaw"
    loose.write_bytes((out / "asterisk" / "en" / "silence" / "1.ulaw").read_bytes())
    result = run_cli("validate", str(loose))
    assert result.returncode == 1
    assert result.stdout == (
        f"{loose}: error: silent: no sound: digital silence (active level below -70 dBov); "
        "regenerate the prompt or check the source\n1 audio file(s) checked, 0 pass\n"
    )


def test_silence_validate_damaged_file_named(built: tuple[Path, CountingEngine, int]) -> None:
    out = built[0] / "dist"
    target = out / "asterisk" / "en" / "silence" / "1.ulaw"
    original = target.read_bytes()
    try:
        target.write_bytes(b"\x80" * 4000)  # loud, and half as long
        result = run_cli("validate", str(target))
    finally:
        target.write_bytes(original)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{target}: error: silence: holds 4000 samples; 1 s of silence at 8000 Hz is 8000; "
        "build it again",
        f"{target}: error: silence: is not silence: a sample reaches 32124 (exact silence stays "
        "within +/-8 of 32768); build it again",
        "1 audio file(s) checked, 0 pass",
    ]


def test_silence_plan_generated_not_billed(make_project: Project) -> None:
    waves = PROJECT.replace('engine = "espeak"', 'engine = "waves"').replace("hd = true", "")
    toml = make_project(waves)
    result = run_cli("plan", "--config", str(toml), "--format", "json")
    assert result.returncode == 0, result.stderr
    pairs = {p["id"]: p for p in json.loads(result.stdout)["pairs"]}
    assert {k: pairs["silence/1"][k] for k in ("action", "engine", "characters")} == {
        "action": "generate",
        "engine": "silence",
        "characters": 0,
    }
    assert json.loads(result.stdout)["billed_characters"] == len("Welcome.")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            'kind = "silence"',
            "prompts.toml: prompts[0] (id 'p'): kind = \"silence\" needs seconds = its length, "
            "e.g. seconds = 1",
        ),
        (
            'kind = "silence"\nseconds = 1\ntext = "Hi."',
            "prompts.toml: prompts[0] (id 'p').text: a kind = \"silence\" prompt is not spoken; "
            "remove 'text'",
        ),
        (
            'kind = "silence"\nseconds = 0.0001',
            "prompts.toml: prompts[0] (id 'p').seconds: must be between 0.001 and 600, got 0.0001",
        ),
        (
            'kind = "silence"\nseconds = 0.0015',
            "prompts.toml: prompts[0] (id 'p').seconds: must be whole milliseconds, got 0.0015",
        ),
        (
            'text = "Hi."\nseconds = 2',
            "prompts.toml: prompts[0] (id 'p').seconds: is only for a non-speech prompt "
            '(kind = "silence")',
        ),
        (
            'kind = "tone"\nseconds = 1',
            "prompts.toml: prompts[0] (id 'p').kind: must be one of speech, silence, got 'tone'",
        ),
    ],
)
def test_silence_config_wrong_refused(tmp_path: Path, entry: str, message: str) -> None:
    toml = tmp_path / "prompts.toml"
    toml.write_text(f'[[prompts]]\nid = "p"\n{entry}\n\n[locales.en]\nlanguage = "en"\n')
    with pytest.raises(ConfigError) as info:
        config.load(toml)
    assert [p.message for p in info.value.found] == message.split("\n")
