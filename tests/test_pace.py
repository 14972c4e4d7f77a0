"""Speaking pace: a speed per project, locale and prompt that the engine honours, the words per
minute the manifest records, and `check` warning outside the configured band."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ivr_prompts import config
from ivr_prompts.errors import ConfigError
from ivr_prompts.flow.check import run_check
from ivr_prompts.validate.pace import pace_problem, words_per_minute

from .conftest import Project
from .engines import CountingEngine, build_with

TEXT = "Please enter your account number, followed by the pound key."

PACE_TOML = f"""
[project]
name = "pace"
output = "dist"
cache = "cache"

[synth]
engine = "espeak"
speed = 1.0

[locales.en-US]
language = "en"
speed = 0.8

[locales.en-GB]
language = "en"
espeak_voice = "en-us"

[[prompts]]
id = "account/enter"
text = "{TEXT}"

[[prompts]]
id = "account/enter-fast"
text = "{TEXT}"
speed = 1.6
"""


def manifest(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    data = json.loads((path.parent / "dist" / "manifest.json").read_text())
    return {(r["id"], r["locale"]): r for r in data["prompts"]}


def test_words_per_minute_counts_words_over_speech_time() -> None:
    assert words_per_minute(TEXT, 4.0) == pytest.approx(150.0)
    assert words_per_minute(TEXT, 0.0) == 0.0


def test_pace_problem_names_band_and_keys() -> None:
    assert pace_problem(TEXT, 160.0, 130, 190) is None
    assert pace_problem("five", 300.0, 130, 190) is None  # too short to judge
    assert pace_problem(TEXT, 230.0, 130, 190) == (
        "speaks 230 words a minute, too fast for a phone prompt "
        "([limits].min_words_per_minute..max_words_per_minute: 130-190); "
        "set speed in [synth], the locale or the prompt"
    )


def test_build_speed_from_prompt_locale_and_project_is_honoured_and_recorded(
    make_project: Project,
) -> None:
    path = make_project(PACE_TOML)
    engine = CountingEngine()
    build_with(config.load(path), engine)
    speeds = {(r.prompt_id, r.locale): r.speed for r in engine.requests}
    # The fast prompt is the same text, voice and speed in both locales: one synthesis for both.
    fast_requests = [key for key in speeds if key[0] == "account/enter-fast"]
    assert len(engine.requests) == 3
    assert len(fast_requests) == 1
    assert speeds == {
        ("account/enter", "en-US"): 0.8,
        ("account/enter", "en-GB"): 1.0,
        fast_requests[0]: 1.6,
    }
    records = manifest(path)
    assert records[("account/enter-fast", "en-GB")]["speed"] == 1.6
    slow = records[("account/enter", "en-US")]
    normal = records[("account/enter", "en-GB")]
    fast = records[("account/enter-fast", "en-US")]
    assert slow["speed"] == 0.8
    # espeak-ng speaks slower and faster as asked: the measured pace follows the speed.
    assert slow["words_per_minute"] < normal["words_per_minute"] < fast["words_per_minute"]
    assert 100 < normal["words_per_minute"] < 220


def test_check_warns_only_for_prompts_outside_the_pace_band(make_project: Project) -> None:
    path = make_project(PACE_TOML)
    build_with(config.load(path), CountingEngine())
    records = manifest(path)
    fast_wpm = records[("account/enter-fast", "en-US")]["words_per_minute"]
    normal_wpm = records[("account/enter", "en-GB")]["words_per_minute"]
    assert isinstance(fast_wpm, float)
    assert isinstance(normal_wpm, float)
    high = (fast_wpm + normal_wpm) / 2
    path.write_text(
        PACE_TOML.replace(
            "[synth]",
            f"[limits]\nmin_words_per_minute = 60\nmax_words_per_minute = {high}\n\n[synth]",
        )
    )
    issues = [i for i in run_check(path).issues if i.code == "pace"]
    assert {i.subject for i in issues} == {
        "account/enter-fast [en-US]",
        "account/enter-fast [en-GB]",
    }
    assert all(i.severity == "warning" for i in issues)
    assert issues[0].message.startswith(f"speaks {fast_wpm:.0f} words a minute, too fast")


def test_config_locale_speed_out_of_range_and_bad_band_are_errors(make_project: Project) -> None:
    path = make_project(
        PACE_TOML.replace("speed = 0.8", "speed = 3")
        + "\n[limits]\nmin_words_per_minute = 200\nmax_words_per_minute = 150\n"
    )
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert info.value.problems == [
        "prompts.toml: limits: min_words_per_minute (200) must be below max_words_per_minute (150)",
        "prompts.toml: locales.en-US.speed: must be between 0.5 and 2, got 3",
    ]
