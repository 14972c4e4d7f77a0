"""Builds whose synthesis is damaged: what a caller would notice fails the build, with the limit
and where it comes from; a click alone no longer makes a prompt quiet."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

import numpy as np
import pytest

from ivr_prompts import config
from ivr_prompts.audio.dsp import active_level_dbov
from ivr_prompts.engines.base import Synthesis, SynthesisRequest
from ivr_prompts.errors import BuildFailed

from .conftest import Project
from .engines import CountingEngine, build_with

TOML = """
[project]
name = "damaged"
output = "dist"
cache = "cache"

[synth]
engine = "espeak"

[locales.en-US]
language = "en"

[[prompts]]
id = "main/sorry"
text = "Sorry, I did not get that. Please say it again."
"""


@dataclass
class Damaging(CountingEngine):
    """Real espeak-ng speech, then damaged: `click` adds one near-full-scale click 30 dB over the
    speech peak; `impulses` replaces the speech with a train of clicks."""

    damage: str = "click"

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        made = await super().synthesize(request)
        x = made.samples.astype(np.float32)
        if self.damage == "click":
            x = x / np.float32(np.max(np.abs(x))) * np.float32(10 ** (-30 / 20))
            x[x.size // 3] = np.float32(0.97)
        else:
            x = np.zeros_like(x)
            x[:: made.sample_rate // 10] = np.float32(0.5)
        return Synthesis(x, made.sample_rate, made.meta)


def test_build_speech_under_a_click_is_published_at_target(make_project: Project) -> None:
    path = make_project(TOML)
    build_with(config.load(path), Damaging(damage="click"))
    ulaw = path.parent / "dist" / "asterisk" / "en" / "main" / "sorry.ulaw"
    raw = subprocess.run(
        ["sox", "-t", "ul", "-r", "8000", "-c", "1", str(ulaw),
         "-t", "raw", "-e", "floating-point", "-b", "32", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    x = np.frombuffer(raw, dtype="<f4")
    assert active_level_dbov(x, 8000) == pytest.approx(-26.0, abs=0.5)
    assert 20 * np.log10(np.max(np.abs(x))) <= -1.0


def test_build_synthesis_of_clicks_only_fails_and_publishes_nothing(
    make_project: Project,
) -> None:
    path = make_project(TOML)
    with pytest.raises(BuildFailed) as info:
        build_with(config.load(path), Damaging(damage="impulses"))
    # Refused before processing (not speech) or by the chain's own check (level unreachable):
    # either way one line for the prompt and nothing published.
    lines = info.value.lines()
    assert lines[0].startswith("main/sorry [en-US]: ")
    assert len(lines) == 2
    assert not (path.parent / "dist").exists()


def test_build_prompt_over_its_own_limit_fails_naming_the_key(make_project: Project) -> None:
    path = make_project(TOML + "max_seconds = 1\n")
    with pytest.raises(BuildFailed) as info:
        build_with(config.load(path), CountingEngine())
    duration = [line for line in info.value.lines() if ": duration: " in line]
    assert len(duration) == 1
    assert duration[0].startswith("main/sorry [en-US]: duration: lasts ")
    assert duration[0].endswith(
        " s; longer than the 1 s maximum (prompts[0].max_seconds); split the prompt"
    )


def test_build_project_limit_is_named_as_the_limits_key(make_project: Project) -> None:
    path = make_project(
        TOML.replace("[locales.en-US]", "[limits]\nmax_seconds = 1\n\n[locales.en-US]")
    )
    with pytest.raises(BuildFailed) as info:
        build_with(config.load(path), CountingEngine())
    assert any(
        "longer than the 1 s maximum ([limits].max_seconds)" in line for line in info.value.lines()
    )


def test_build_second_run_reprocesses_nothing_and_synthesizes_nothing(
    make_project: Project,
) -> None:
    path = make_project(TOML)
    build_with(config.load(path), CountingEngine())
    again = CountingEngine()
    report = build_with(config.load(path), again)
    assert again.requests == []
    assert report.processed == 0
