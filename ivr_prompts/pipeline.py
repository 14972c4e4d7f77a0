"""build(config) -> report: render, plan, synthesize, process, validate, publish. No click."""

from __future__ import annotations

import asyncio
import dataclasses
import fnmatch
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from . import audio, cache, lexicon, publish, render, validate
from .config import Config, LocaleConfig, PromptConfig
from .dicts import attach_dictionaries, list_voices, voice_language_warnings
from .engines.base import EngineName, ResolvedEngine, SynthesisRequest
from .engines.registry import DeferredWaves, Engines, resolve, voice_for
from .engines.waves import WavesEngine
from .errors import BuildFailed, ConfigError, EngineUnavailable, IvrPromptsError
from .profiles import ProfileName, profile_rules

log = logging.getLogger(__name__)

Action = Literal["synthesize", "process", "cached", "reuse", "keep"]

# Bump when audio.process changes what it makes from the same input: processed entries then miss.
PROCESSING_VERSION = 1


@dataclass(frozen=True)
class BuildOptions:
    """What to build: fnmatch patterns on prompt ids, locale codes, an engine for every prompt."""

    only: tuple[str, ...] = ()
    locales: tuple[str, ...] = ()
    engine: EngineName | None = None


@dataclass
class Pair:
    """One prompt x locale with everything that decides its audio."""

    rendered: render.Rendered
    locale: LocaleConfig
    engine: ResolvedEngine
    voice: str
    model: str
    speed: float
    spoken: str
    synth_key: str
    audio_key: str
    selected: bool
    lexicon_words: tuple[str, ...]
    action: Action = "synthesize"

    @property
    def name(self) -> str:
        return self.rendered.pair


@dataclass
class Plan:
    """Every pair of the set, and what the last published set had that this one drops."""

    config: Config
    pairs: list[Pair]
    lexicons: dict[str, lexicon.Lexicon]
    previous: publish.Manifest | None
    removed: list[tuple[str, str]] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for p in self.pairs if p.action == action)

    @property
    def billed_chars(self) -> int:
        """Characters a Waves build would send for the pairs it must synthesize."""
        return sum(
            len(p.spoken) for p in self.pairs if p.action == "synthesize" and p.engine == "waves"
        )


@dataclass
class BuildReport:
    plan: Plan
    synthesized: int = 0
    processed: int = 0
    published: bool = False
    failures: list[str] = field(default_factory=list)
    manifest: publish.Manifest | None = None


Progress = Callable[[str, Pair], None]


def load_lexicons(config: Config) -> dict[str, lexicon.Lexicon]:
    """Every locale's dictionary; raise ConfigError listing every bad file."""
    problems: list[str] = []
    out: dict[str, lexicon.Lexicon] = {}
    for code, loc in config.locales.items():
        try:
            out[code] = lexicon.load(code, loc.pronunciations)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return out


def processing_fields(config: Config) -> dict[str, Any]:
    """Settings that change processed audio but not the synthesis."""
    a = config.audio
    return {
        "rate": 8000,
        "level_dbov": a.level_dbov,
        "peak_headroom_db": a.peak_headroom_db,
        "lead_pad_ms": a.lead_pad_ms,
        "trail_pad_ms": a.trail_pad_ms,
        "silence_threshold_dbfs": a.silence_threshold_dbfs,
        "processing": PROCESSING_VERSION,
    }


def make_plan(config: Config, options: BuildOptions, engines: Engines) -> Plan:
    """Render every pair and key it; decide for each whether to synthesize, process or reuse."""
    for code in options.locales:
        if code not in config.locales:
            raise ConfigError(
                [
                    f"--locale {code}: not a locale of {config.path.name} "
                    f"(have: {', '.join(config.locales)})"
                ]
            )
    lexicons = load_lexicons(config)
    rendered = render.render_all(config)
    processing = processing_fields(config)
    identities: dict[tuple[str, str, str], dict[str, str]] = {}
    pairs: list[Pair] = []
    for r in rendered:
        loc = config.locales[r.locale]
        prompt = r.prompt
        engine_name = resolve(options.engine or prompt.engine or loc.engine, loc)
        engine = engines.get(engine_name)
        voice = voice_for(engine_name, loc, prompt)
        model = config.synth.model if engine_name == "waves" else ""
        ident_key = (engine_name, voice, model)
        if ident_key not in identities:
            identities[ident_key] = engine.identity(voice, model)
        lex = lexicons[r.locale]
        used = tuple(sorted(lex.words_used(r.text)))
        spoken = r.text if engine.remote_lexicon else lex.apply(r.text)
        table = dict(lex.entries)
        speed = prompt.speed if prompt.speed is not None else config.synth.speed
        # Only the dictionary entries this text uses: editing one word re-synthesizes only the
        # prompts that contain it.
        synth_key = cache.make_key(
            {
                **identities[ident_key],
                "language": loc.language,
                "speed": speed,
                "text": spoken,
                "lexicon": [[w, table[w]] for w in used],
            }
        )
        audio_key = cache.make_key({"synth": synth_key, **processing})
        selected = _selected(r, options)
        pairs.append(
            Pair(
                r,
                loc,
                engine_name,
                voice,
                model,
                speed,
                spoken,
                synth_key,
                audio_key,
                selected,
                used,
            )
        )
    if (options.only or options.locales) and not any(p.selected for p in pairs):
        wanted = " ".join(
            [*(f"--only {o}" for o in options.only), *(f"--locale {c}" for c in options.locales)]
        )
        raise ConfigError(
            [
                f"{wanted}: selects no prompt; ids look like {pairs[0].rendered.id!r}"
                if pairs
                else f"{wanted}: selects no prompt"
            ]
        )
    previous = publish.read_manifest(config.project.output)
    plan = Plan(config, pairs, lexicons, previous)
    _decide(plan, cache.Cache(config.project.cache))
    return plan


def _decide(plan: Plan, store: cache.Cache) -> None:
    prev = publish.reusable(plan.previous, plan.config.project.output)
    keys = {(p.rendered.id, p.locale.code) for p in plan.pairs}
    if plan.previous is not None:
        plan.removed = sorted(
            (r["id"], r["locale"])
            for r in plan.previous["prompts"]
            if (r["id"], r["locale"]) not in keys
        )
    for pair in plan.pairs:
        old = prev.get((pair.rendered.id, pair.locale.code))
        if not pair.selected:
            pair.action = "keep"
        elif old is not None and _same(old, _record(plan.config, pair), plan.config, pair):
            pair.action = "reuse"
        elif store.has("audio", pair.audio_key):
            pair.action = "cached"
        elif store.has("synth", pair.synth_key):
            pair.action = "process"
        else:
            pair.action = "synthesize"


def _same(old: publish.PromptRecord, new: publish.PromptRecord, config: Config, pair: Pair) -> bool:
    planned = publish.planned_files(config, pair.rendered.id, pair.locale)
    old_files = [(f["path"], f["format"]) for f in old["files"]]
    keys = ("id", "locale", "text", "spoken_text", "cache_key", "source", "voice", "engine")
    before, after = dict(old), dict(new)
    return old_files == [(f.path, f.format) for f in planned] and all(
        before[k] == after[k] for k in keys
    )


def _record(
    config: Config, pair: Pair, meta: Mapping[str, Any] | None = None
) -> publish.PromptRecord:
    meta = meta or {}
    return publish.PromptRecord(
        id=pair.rendered.id,
        locale=pair.locale.code,
        language=pair.locale.language,
        text=pair.rendered.text,
        spoken_text=pair.spoken,
        source=pair.rendered.source,
        engine=pair.engine,
        voice=pair.voice,
        model=pair.model,
        speed=pair.speed,
        synth_key=pair.synth_key,
        cache_key=pair.audio_key,
        duration_s=float(meta.get("duration_s", 0.0)),
        level_dbov=float(meta.get("level_dbov", 0.0)),
        peak_dbfs=float(meta.get("peak_dbfs", 0.0)),
        request_id=str(meta.get("request_id", "")),
        files=[],
    )


async def build(
    config: Config,
    options: BuildOptions | None = None,
    *,
    engines: Engines | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build and publish the prompt set; raise BuildFailed (nothing published) if any pair fails."""
    options = options or BuildOptions()
    engines = engines or Engines(config)
    store = cache.Cache(config.project.cache)
    try:
        plan = make_plan(config, options, engines)
        report = BuildReport(plan)
        audio_for = await _produce(plan, store, engines, report, progress or _quiet)
    finally:
        await engines.aclose()
    if report.failures:
        raise BuildFailed(report.failures, len(report.failures))
    items = _items(plan, audio_for)
    try:
        manifest, changed = publish.publish(
            config, items, previous=plan.previous, validator=_validator(config, plan)
        )
    except publish.PublishProblems as exc:
        report.failures = exc.problems
        failed = {line.split(": ", 1)[0] for line in exc.problems}
        raise BuildFailed(exc.problems, len(failed)) from None
    report.manifest = manifest
    report.published = changed
    return report


def _quiet(event: str, pair: Pair) -> None:
    return None


async def _produce(
    plan: Plan, store: cache.Cache, engines: Engines, report: BuildReport, progress: Progress
) -> dict[int, tuple[npt.NDArray[np.int16], dict[str, Any]]]:
    """Processed 8 kHz audio for every pair that needs new files, keyed by index in plan.pairs."""
    results: dict[int, tuple[npt.NDArray[np.int16], dict[str, Any]]] = {}
    gates: dict[ResolvedEngine, asyncio.Semaphore] = {}

    async def one(index: int, pair: Pair) -> None:
        try:
            entry = store.get("audio", pair.audio_key) if pair.action == "cached" else None
            if entry is None:
                synth = store.get("synth", pair.synth_key)
                if synth is None:
                    engine = engines.get(pair.engine)
                    gate = gates.setdefault(pair.engine, asyncio.Semaphore(engine.max_concurrency))
                    async with gate:
                        progress("synthesize", pair)
                        made = await engine.synthesize(_request(pair, dict_ids))
                    report.synthesized += 1
                    synth = cache.AudioEntry(
                        audio.to_pcm16(made.samples), made.sample_rate, dict(made.meta)
                    )
                    store.put("synth", pair.synth_key, synth)
                entry = _process(plan.config, synth)
                store.put("audio", pair.audio_key, entry)
                report.processed += 1
            results[index] = (entry.samples, entry.meta)
            progress("done", pair)
        except EngineUnavailable:
            raise
        except IvrPromptsError as exc:
            report.failures.append(f"{pair.name}: {exc.message}")
            progress("failed", pair)

    todo = [
        (i, p) for i, p in enumerate(plan.pairs) if p.action in ("synthesize", "process", "cached")
    ]
    dict_ids = await _remote_dictionaries(plan, engines)
    for pair in plan.pairs:
        if pair.action in ("reuse", "keep"):
            progress("done", pair)
    tasks = [asyncio.create_task(one(i, p)) for i, p in todo]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return results


async def _remote_dictionaries(plan: Plan, engines: Engines) -> dict[str, str]:
    """Before Waves speaks (and only then): check voices, sync the locales' dictionaries."""
    config = plan.config
    codes = {p.locale.code for p in plan.pairs if p.action == "synthesize" and p.engine == "waves"}
    if not codes:
        return {}
    engine = engines.get("waves")
    real = engine.engine if isinstance(engine, DeferredWaves) else engine
    if not isinstance(real, WavesEngine):
        return {}
    try:
        for warning in voice_language_warnings(config, await list_voices(real.client)):
            log.warning("%s", warning)
    except EngineUnavailable:
        raise
    except IvrPromptsError as exc:  # the catalog is advice; the build does not depend on it
        log.info("could not list Waves voices to check them: %s", exc.message)
    lexicons = {c: plan.lexicons[c] for c in sorted(codes) if plan.lexicons[c].entries}
    if not lexicons or not config.waves.dictionaries:
        return {}
    return await attach_dictionaries(real, lexicons, config.lock_path)


def _request(pair: Pair, dict_ids: Mapping[str, str]) -> SynthesisRequest:
    remote = dict_ids.get(pair.locale.code)
    return SynthesisRequest(
        prompt_id=pair.rendered.id,
        locale=pair.locale.code,
        text=pair.spoken,
        language=pair.locale.language,
        voice=pair.voice,
        speed=pair.speed,
        model=pair.model,
        cache_key=pair.synth_key,
        pronunciation_dicts=(remote,) if remote else (),
    )


def _process(config: Config, synth: cache.AudioEntry) -> cache.AudioEntry:
    processed = audio.process(audio.to_float(synth.samples), synth.sample_rate, config.audio)
    meta = {
        **synth.meta,
        "duration_s": round(processed.duration_s, 3),
        "level_dbov": round(processed.level_dbov, 2),
        "peak_dbfs": round(processed.peak_dbfs, 2),
    }
    return cache.AudioEntry(processed.pcm, 8000, meta)


def _items(
    plan: Plan, audio_for: Mapping[int, tuple[npt.NDArray[np.int16], dict[str, Any]]]
) -> list[publish.PublishItem]:
    prev = {(r["id"], r["locale"]): r for r in (plan.previous or {"prompts": []})["prompts"]}
    items: list[publish.PublishItem] = []
    for index, pair in enumerate(plan.pairs):
        files = publish.planned_files(plan.config, pair.rendered.id, pair.locale)
        old = prev.get((pair.rendered.id, pair.locale.code))
        if pair.action == "keep":
            if old is not None:  # not selected: the published set keeps what it had
                items.append(publish.PublishItem(old, _old_files(old), None))
            continue
        if pair.action == "reuse":
            assert old is not None
            items.append(publish.PublishItem(old, files, None))
            continue
        pcm, meta = audio_for[index]
        items.append(publish.PublishItem(_record(plan.config, pair, meta), files, pcm))
    return items


def _old_files(record: publish.PromptRecord) -> list[publish.PlannedFile]:
    return [
        publish.PlannedFile(f["path"], f["target"], f["format"])  # type: ignore[arg-type]
        for f in record["files"]
    ]


def _validator(config: Config, plan: Plan) -> publish.Validator:
    """Checks every staged file against its target's profile (and publish.profiles for WAV)."""
    by_pair = {(p.rendered.id, p.locale.code): p for p in plan.pairs}
    base = validate.Rules.from_settings(config.audio, config.limits)
    memo: dict[tuple[str, float | None, float | None], list[validate.Rules]] = {}

    def rules_for(target: str, prompt: PromptConfig) -> list[validate.Rules]:
        key = (target, prompt.min_seconds, prompt.max_seconds)
        if key not in memo:
            rules = dataclasses.replace(
                base,
                min_seconds=prompt.min_seconds or base.min_seconds,
                max_seconds=prompt.max_seconds or base.max_seconds,
            )
            names: list[ProfileName] = [target] if target in ("asterisk", "freeswitch") else []  # type: ignore[list-item]
            if target == "wav":
                names.extend(cast("tuple[ProfileName, ...]", config.publish.profiles))
            memo[key] = [profile_rules(n, rules) for n in names] or [rules]
        return memo[key]

    def check(path: Path, planned: publish.PlannedFile, record: publish.PromptRecord) -> list[str]:
        pair = by_pair[(record["id"], record["locale"])]
        try:
            file = audio.read_audio(path)
        except IvrPromptsError as exc:
            return [f"{pair.name}: {planned.path}: {exc.message}"]
        problems: list[str] = []
        for rules in rules_for(planned.target, pair.rendered.prompt):
            for finding in validate.check_audio(file, rules, text=record["text"]):
                # A problem of the sound itself shows in every file: say it once per prompt.
                where = "" if finding.check in _SIGNAL_CHECKS else f"{planned.path}: "
                line = f"{pair.name}: {where}{finding.check}: {finding.message}"
                if finding.severity == "error" and line not in problems:
                    problems.append(line)
        return problems

    return check


_SIGNAL_CHECKS = frozenset(
    {
        "duration",
        "speaking-rate",
        "level",
        "clipping",
        "lead-silence",
        "trail-silence",
        "silent",
        "dc",
    }
)


def _selected(rendered: render.Rendered, options: BuildOptions) -> bool:
    by_id = not options.only or any(fnmatch.fnmatchcase(rendered.id, p) for p in options.only)
    return by_id and (not options.locales or rendered.locale in options.locales)


def review(config: Config, options: BuildOptions) -> list[dict[str, str]]:
    """Each selected pair's text before and after its locale's pronunciation dictionary."""
    lexicons = load_lexicons(config)
    return [
        {
            "id": r.id,
            "locale": r.locale,
            "source": r.source,
            "text": r.text,
            "spoken_text": lexicons[r.locale].apply(r.text),
        }
        for r in render.render_all(config)
        if _selected(r, options)
    ]
