"""Pauses are exact silence: pairs given parts (Speech, Pause) built through the real build on
espeak-ng, Piper and the Waves test server, the published files read back by sox.

The markup parser (`<break time="800ms"/>`) fills `Rendered.parts`; these tests give the parts
directly (a rendered text's `|800|` marks a pause) through the build's `render_all` parameter.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from ivr_prompts import cache, config
from ivr_prompts.config import Config
from ivr_prompts.engines.base import Engine, Synthesis, SynthesisRequest
from ivr_prompts.engines.local import piper_available
from ivr_prompts.engines.registry import Engines, default_factory
from ivr_prompts.engines.waves.deferred import DeferredWaves
from ivr_prompts.engines.waves.engine import make_waves_engine
from ivr_prompts.flow import build as builder
from ivr_prompts.flow.options import BuildOptions
from ivr_prompts.flow.outcome import BuildReport
from ivr_prompts.flow.plan import make_plan, stale_reasons
from ivr_prompts.kinds import ResolvedEngine
from ivr_prompts.text import render
from ivr_prompts.text.lexicon import Lexicon
from ivr_prompts.text.parts import Pause, Speech

from .conftest import Project
from .waves_server import WavesServer

KEY = "sk_test_0123456789abcdef"
RATE = 8000
FIRST = "Welcome to Acme Bank."
SAID = "Welcome to Ack-mee Bank."  # FIRST with the dictionary applied (local engines)
SECOND = "For opening hours, press one."

TOML = """
[project]
name = "pauses"
output = "dist"
cache = "cache"

[synth]
engine = "ENGINE"

[limits]
min_seconds = 0.2
max_seconds = 20

[locales.en-US]
language = "en"
voice = "magnus"
pronunciations = "pron/en-US.toml"

[[prompts]]
id = "menu"
text = "{{ first }} |800| {{ second }}"
vars = { first = "FIRST", second = "SECOND" }

[[prompts]]
id = "welcome"
text = "FIRST"
"""

SOX_S16 = ["-t", "raw", "-e", "signed", "-b", "16", "-"]
_MARK = re.compile(r"\s*\|(\d+)\|\s*")


def with_pauses(cfg: Config) -> list[render.Rendered]:
    """Every pair rendered, a `|N|` in its text made a pause of N ms between spoken parts (and
    taken out of its text, as markup is)."""
    out = []
    for r in render.render_all(cfg):
        pieces = _MARK.split(r.text)
        if len(pieces) == 1:
            out.append(r)
            continue
        parts = tuple(
            Pause(int(p)) if i % 2 else Speech(p) for i, p in enumerate(pieces) if p.strip()
        )
        text = " ".join(p.text for p in parts if isinstance(p, Speech))
        out.append(dataclasses.replace(r, text=text, parts=parts))
    return out


class Counted:
    """A real engine, every request recorded."""

    def __init__(self, inner: Engine) -> None:
        self.inner = inner
        self.name: ResolvedEngine = inner.name
        self.remote_lexicon = inner.remote_lexicon
        self.max_concurrency = inner.max_concurrency
        self.requests: list[SynthesisRequest] = []

    def identity(self, request_voice: str, model: str) -> dict[str, str]:
        return self.inner.identity(request_voice, model)

    async def prepare(self, cfg: Config, lexicons: Mapping[str, Lexicon]) -> dict[str, str]:
        return await self.inner.prepare(cfg, lexicons)

    async def synthesize(self, request: SynthesisRequest) -> Synthesis:
        self.requests.append(request)
        return await self.inner.synthesize(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def texts(self) -> list[str]:
        return sorted(r.text for r in self.requests)


def engines_for(cfg: Config, server: WavesServer | None) -> tuple[Engines, list[Counted]]:
    made: list[Counted] = []

    def factory(name: ResolvedEngine, c: Config) -> Engine:
        if name == "waves":
            assert server is not None
            env = {"SMALLEST_API_KEY": KEY, "SMALLEST_BASE_URL": server.url}
            inner: Engine = DeferredWaves(c, lambda cc: make_waves_engine(cc, environ=env))
        else:
            inner = default_factory(name, c)
        made.append(Counted(inner))
        return made[-1]

    return Engines(cfg, factory), made


def run(cfg: Config, server: WavesServer | None = None) -> tuple[BuildReport, list[str]]:
    """Build with parts; the report and the texts the engine was asked to speak."""
    engines, made = engines_for(cfg, server)
    report = asyncio.run(builder.build(cfg, engines=engines, render_all=with_pauses))
    return report, sorted(t for c in made for t in c.texts())


def project(make_project: Project, engine: str, **replace: str) -> Path:
    toml = TOML.replace("ENGINE", engine).replace("FIRST", FIRST).replace("SECOND", SECOND)
    for old, new in replace.items():
        toml = toml.replace(old, new)
    return make_project(toml)


def decoded(path: Path) -> npt.NDArray[np.int16]:
    """A published .ulaw or .alaw file as 16-bit samples, decoded by sox (not by us)."""
    kind = {".ulaw": "ul", ".alaw": "al"}[path.suffix]
    raw = subprocess.run(
        ["sox", "-t", kind, "-r", "8000", "-c", "1", str(path), *SOX_S16],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2")


def silences(
    x: npt.NDArray[np.int16], at_least: int = 80, within: int = 2
) -> list[tuple[int, int]]:
    """(start, length) of every run of samples within +-`within` of zero, `at_least` long."""
    quiet = np.concatenate(([0], (np.abs(x.astype(np.int32)) <= within).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(quiet))
    runs = [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    return [r for r in runs if r[1] >= at_least]


def published(cfg: Config, prompt: str) -> npt.NDArray[np.int16]:
    return decoded(cfg.project.output / "asterisk" / "en" / f"{prompt}.ulaw")


def dbfs(x: npt.NDArray[np.int16]) -> float:
    peak = float(np.abs(x.astype(np.float64)).max()) / 32768.0
    return 20 * float(np.log10(peak)) if peak > 0 else -100.0


def assert_one_exact_pause(cfg: Config, ms: int) -> tuple[int, int]:
    """The menu prompt holds one pause of `ms` (+-1 ms) where its first part ends, speech on
    both sides, and quiet outer edges; the pause's (start, length) in samples."""
    menu, alone = published(cfg, "menu"), published(cfg, "welcome")
    pauses = silences(menu, RATE * 2 // 5)  # 400 ms or more: engines pause at commas too
    assert len(pauses) == 1, pauses
    start, length = pauses[0]
    assert abs(length - ms * RATE // 1000) <= RATE // 1000
    # Where the first part, published alone, ends its speech (its trail pad is 200 ms).
    assert abs(start - (alone.size - RATE // 5)) <= RATE * 15 // 1000
    before, after = menu[:start], menu[start + length :]
    assert dbfs(before[-RATE // 5 :]) > -30
    assert dbfs(after[: RATE // 5]) > -30
    # The contact-center WAV, read by soundfile: the same silence, sample for sample.
    wav, rate = soundfile.read(cfg.project.output / "wav" / "en-US" / "menu.wav", dtype="int16")
    assert rate == RATE
    assert silences(wav, RATE * 2 // 5) == pauses
    # A-law has no zero: its silence decodes to +8, and the pause is exact within that.
    alaw = decoded(cfg.project.output / "asterisk" / "en" / "menu.alaw")
    assert silences(alaw, RATE * 2 // 5, 8) == pauses
    edge = RATE // 50  # the validator's 20 ms: no click where prompts join
    assert dbfs(menu[:edge]) < -50
    assert dbfs(menu[-edge:]) < -50
    return start, length


@pytest.fixture(scope="module")
def server() -> Iterator[WavesServer]:
    with WavesServer(api_key=KEY, concurrency=2, latency=0.0, retry_after="0") as s:
        yield s


ENGINES = ["espeak", "waves"] + (["piper"] if piper_available() else ["piper-missing"])


@pytest.mark.parametrize("engine", ENGINES)
def test_build_pause_800ms_is_exact_silence_between_parts(
    make_project: Project, server: WavesServer, engine: str
) -> None:
    assert engine != "piper-missing", "Piper is not installed: pip install -e '.[local]'"
    cfg = config.load(project(make_project, engine))
    before = len(server.tts_records())
    report, texts = run(cfg, server)
    assert report.published
    # The shared first part is spoken once: for the pause prompt and for the prompt alone.
    assert texts == sorted([FIRST if engine == "waves" else SAID, SECOND])
    if engine == "waves":
        assert sorted(r.body["text"] for r in server.tts_records()[before:]) == texts
    assert_one_exact_pause(cfg, 800)
    record = {
        r["id"]: r
        for r in json.loads((cfg.project.output / "manifest.json").read_text())["prompts"]
    }["menu"]
    said = FIRST if engine == "waves" else SAID
    assert record["spoken_text"] == f"{said} {SECOND}"
    assert record["parts"] == [FIRST, 800, SECOND]  # before the dictionary


def test_build_again_without_output_synthesizes_nothing(make_project: Project) -> None:
    cfg = config.load(project(make_project, "espeak"))
    run(cfg)
    shutil.rmtree(cfg.project.output)
    report, texts = run(cfg)
    assert texts == []
    assert report.counts.from_cache == 2
    assert_one_exact_pause(cfg, 800)


def test_build_changed_pause_reprocesses_and_synthesizes_nothing(make_project: Project) -> None:
    path = project(make_project, "espeak")
    run(config.load(path))
    path.write_text(path.read_text().replace("|800|", "|1250|"))
    cfg = config.load(path)
    plan = make_plan(cfg, BuildOptions(), Engines(cfg), render_all=with_pauses)
    menu = next(p for p in plan.pairs if p.rendered.id == "menu")
    assert menu.action == "process"
    previous = plan.previous_records[("menu", "en-US")]
    assert stale_reasons(menu, previous) == ["pauses changed (published [800] ms, now [1250] ms)"]
    assert plan.count("synthesize") == 0
    report, texts = run(cfg)
    assert texts == []
    assert report.published
    assert_one_exact_pause(cfg, 1250)


def test_build_edit_after_pause_synthesizes_that_part_alone_and_bills_it(
    make_project: Project, server: WavesServer
) -> None:
    path = project(make_project, "waves")
    run(config.load(path), server)
    edited = "For our opening hours, press two."
    path.write_text(path.read_text().replace(SECOND, edited))
    cfg = config.load(path)
    plan = make_plan(cfg, BuildOptions(), Engines(cfg), render_all=with_pauses)
    assert [(p.rendered.id, p.action) for p in plan.pairs] == [
        ("menu", "synthesize"),
        ("welcome", "reuse"),
    ]
    assert plan.billed_chars == len(edited)
    before = len(server.tts_records())
    report, texts = run(cfg, server)
    assert texts == [edited]
    assert [r.body["text"] for r in server.tts_records()[before:]] == [edited]
    assert report.published
    assert_one_exact_pause(cfg, 800)


def test_plan_parts_bill_each_part_once_across_prompts(make_project: Project) -> None:
    toml = TOML.replace('text = "FIRST"', 'text = "{{ second }} |300| Goodbye."').replace(
        'id = "welcome"', 'id = "bye"\nvars = { second = "SECOND" }'
    )
    path = make_project(
        toml.replace("ENGINE", "waves").replace("FIRST", FIRST).replace("SECOND", SECOND)
    )
    cfg = config.load(path)
    plan = make_plan(cfg, BuildOptions(), Engines(cfg), render_all=with_pauses)
    # FIRST, SECOND (said by both prompts, sent once) and "Goodbye."
    assert plan.billed_chars == len(FIRST) + len(SECOND) + len("Goodbye.")
    assert plan.count("synthesize") == 2
    menu = next(p for p in plan.pairs if p.rendered.id == "menu")
    assert menu.characters == len(FIRST) + len(SECOND)  # the pause is not sent


def test_plan_pair_without_pause_keeps_its_key_and_shares_it_with_a_part(
    make_project: Project,
) -> None:
    cfg = config.load(project(make_project, "espeak"))
    engines = Engines(cfg)
    plan = make_plan(cfg, BuildOptions(), engines, render_all=with_pauses)
    pairs = {p.rendered.id: p for p in plan.pairs}
    welcome, menu = pairs["welcome"], pairs["menu"]
    assert welcome.parts == ()
    # The key every earlier version gave this text: existing caches stay valid.
    voice = welcome.voice
    assert welcome.synth_key == cache.make_key(
        {**engines.identity("espeak", voice, ""), "language": "en", "speed": 1.0}
        | {"text": SAID, "lexicon": [["Acme", "Ack-mee"]]}
    )
    # A part is keyed as a whole prompt of its text: both share one synthesis.
    assert next(getattr(p, "synth_key", None) for p in menu.parts) == welcome.synth_key
    assert [getattr(p, "ms", None) for p in menu.parts] == [None, 800, None]


def test_build_hd_pause_is_exact_at_16khz(make_project: Project) -> None:
    path = project(make_project, "espeak", **{"[limits]": "[publish]\nhd = true\n\n[limits]"})
    cfg = config.load(path)
    report, _ = run(cfg)
    assert report.published
    wide = np.fromfile(cfg.project.output / "asterisk" / "en" / "menu.sln16", dtype="<i2")
    runs = silences(wide, 16000 * 2 // 5)
    assert [length for _, length in runs] == [16000 * 800 // 1000]
    assert_one_exact_pause(cfg, 800)
