"""build(config) -> report: render, plan, synthesize, process, validate, publish. No click."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import fnmatch
import functools
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from . import audio, cache, export, lexicon, publish, render, validate
from .config import Config, LocaleConfig, PromptConfig
from .engines.base import SynthesisRequest
from .engines.registry import Engines, resolve, voice_for
from .errors import BuildFailed, ConfigError, EngineUnavailable, IvrPromptsError, UsageError
from .export.names import name_problems
from .kinds import EngineName, ProfileName, ResolvedEngine
from .profiles import profile_rules

log = logging.getLogger(__name__)

# synthesize: the engine speaks; process: re-made from the cached synthesis; cached: the processed
# audio is cached; reuse: the published files are current; keep: not selected, published files
# stay; skip: not selected and never published.
Action = Literal["synthesize", "process", "cached", "reuse", "keep", "skip"]

# Bump when audio.process changes what it makes from the same input: processed entries then miss.
PROCESSING_VERSION = 1

# Problems of the sound itself show in every file of a prompt: they are reported once per prompt.
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


@dataclass(frozen=True)
class BuildOptions:
    """What to build: fnmatch patterns on prompt ids, locale codes, an engine for every prompt."""

    only: tuple[str, ...] = ()
    locales: tuple[str, ...] = ()
    engine: EngineName | None = None


@dataclass
class Pair:
    """One prompt x locale with everything that decides its audio and its files."""

    rendered: render.Rendered
    locale: LocaleConfig
    engine: ResolvedEngine
    voice: str
    model: str
    speed: float
    spoken: str
    synth_key: str
    audio_key: str
    checks_key: str
    files: list[publish.PlannedFile]
    selected: bool
    lexicon_words: tuple[str, ...]
    action: Action = "synthesize"

    @property
    def name(self) -> str:
        return self.rendered.pair

    @property
    def key(self) -> tuple[str, str]:
        return (self.rendered.id, self.locale.code)


@dataclass(repr=False)
class Plan:
    """Every pair of the set, and what the last published set had that this one drops."""

    config: Config
    pairs: list[Pair]
    lexicons: dict[str, lexicon.Lexicon]
    previous: publish.Manifest | None
    checks: Checks
    removed: list[tuple[str, str]] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for p in self.pairs if p.action == action)

    @functools.cached_property
    def previous_records(self) -> dict[tuple[str, str], publish.PromptRecord]:
        """The published set's records by (id, locale); empty before the first build."""
        records = self.previous["prompts"] if self.previous is not None else []
        return {(r["id"], r["locale"]): r for r in records}

    def __repr__(self) -> str:
        # Compact on purpose: Python 3.11's asyncio.run repr()s the finished main task (and so
        # the report holding this plan) when it restores the SIGINT handler.
        return f"Plan({len(self.pairs)} pairs, {len(self.removed)} removed)"

    @property
    def billed_chars(self) -> int:
        """Characters a Waves build would send for the pairs it must synthesize."""
        return sum(
            len(p.spoken) for p in self.pairs if p.action == "synthesize" and p.engine == "waves"
        )

    @property
    def changes(self) -> bool:
        """Whether a build would change the published set."""
        busy = ("synthesize", "process", "cached")
        return bool(self.removed) or any(p.action in busy for p in self.pairs)


@dataclass(repr=False)
class BuildReport:
    plan: Plan
    synthesized: int = 0
    processed: int = 0
    published: bool = False
    failures: list[str] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    manifest: publish.Manifest | None = None
    exports: export.ExportReport | None = None

    def __repr__(self) -> str:
        return (
            f"BuildReport({self.plan!r}, synthesized={self.synthesized}, "
            f"published={self.published}, failures={len(self.failures)})"
        )


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


def select(config: Config, options: BuildOptions) -> list[render.Rendered]:
    """Render every pair and check that --only/--locale select some; ConfigError otherwise."""
    for code in options.locales:
        if code not in config.locales:
            raise ConfigError(
                [
                    f"--locale {code}: not a locale of {config.path.name} "
                    f"(have: {', '.join(config.locales)})"
                ]
            )
    rendered = render.render_all(config)
    if (options.only or options.locales) and not any(_selected(r, options) for r in rendered):
        wanted = " ".join(
            [*(f"--only {o}" for o in options.only), *(f"--locale {c}" for c in options.locales)]
        )
        example = f"; ids look like {rendered[0].id!r}" if rendered else ""
        raise ConfigError([f"{wanted}: selects no prompt{example}"])
    return rendered


def _selected(rendered: render.Rendered, options: BuildOptions) -> bool:
    by_id = not options.only or any(fnmatch.fnmatchcase(rendered.id, p) for p in options.only)
    return by_id and (not options.locales or rendered.locale in options.locales)


def make_plan(config: Config, options: BuildOptions, engines: Engines) -> Plan:
    """Render every pair and key it; decide for each whether to synthesize, process or reuse."""
    previous = publish.read_manifest(config.project.output)
    publish.check_output(config, previous)  # before anything is synthesized (and paid for)
    lexicons = load_lexicons(config)
    rendered = select(config, options)
    processing = processing_fields(config)
    checks = Checks(config)
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
        files = publish.planned_files(config, r.id, loc)
        pairs.append(
            Pair(
                rendered=r,
                locale=loc,
                engine=engine_name,
                voice=voice,
                model=model,
                speed=speed,
                spoken=spoken,
                synth_key=synth_key,
                audio_key=cache.make_key({"synth": synth_key, **processing}),
                checks_key=checks.key(files, prompt),
                files=files,
                selected=_selected(r, options),
                lexicon_words=used,
            )
        )
    genesys_ids = (p.rendered.id for p in pairs if "genesys" in config.publish.targets)
    if problems := name_problems(genesys_ids, config.path.name):
        raise ConfigError(problems)
    _check_collisions(config, pairs)
    checks.prompts = {p.key: p.rendered.prompt for p in pairs}
    plan = Plan(config, pairs, lexicons, previous, checks)
    _decide(plan, cache.Cache(config.project.cache))
    return plan


def _check_collisions(config: Config, pairs: list[Pair]) -> None:
    """Two pairs must never publish one path (nor paths differing only in case)."""
    owner: dict[str, Pair] = {}
    problems: list[str] = []
    for pair in pairs:
        for planned in pair.files:
            other = owner.setdefault(planned.path.lower(), pair)
            if other is not pair and other.locale.code != pair.locale.code:
                problems.append(
                    f"{config.path.name}: locales {other.locale.code} and {pair.locale.code} "
                    f"both publish {planned.path}; give them different languages or regions"
                )
                break
            if other is not pair:
                problems.append(
                    f"{config.path.name}: {other.name} and {pair.name} both publish "
                    f"{planned.path}; ids must differ in more than letter case"
                )
                break
    if problems:
        raise ConfigError(sorted(set(problems)))


def stale_reasons(pair: Pair, record: publish.PromptRecord) -> list[str]:
    """Why a published record no longer matches its sources (empty when it does).

    The one rule for both `build` (reuse or not) and `check` (stale or not).
    """
    reasons: list[str] = []
    if record["text"] != pair.rendered.text:
        reasons.append(f"text changed (published {record['text']!r}, now {pair.rendered.text!r})")
    elif record["spoken_text"] != pair.spoken or (
        record["synth_key"] != pair.synth_key
        and pair.engine == record["engine"] == "waves"
        and pair.lexicon_words
    ):
        reasons.append("pronunciation dictionary changed")
    for name, now in (("engine", pair.engine), ("voice", pair.voice), ("model", pair.model)):
        was = record[name]  # type: ignore[literal-required]
        if was != now:
            reasons.append(f"{name} changed ({was!r} -> {now!r})")
    if record["speed"] != pair.speed:
        reasons.append(f"speed changed ({record['speed']} -> {pair.speed})")
    if not reasons and record["synth_key"] != pair.synth_key:
        reasons.append("engine, voice or synthesis settings changed")
    if not reasons and record["cache_key"] != pair.audio_key:
        reasons.append("audio settings changed")
    if record["source"] != pair.rendered.source:
        reasons.append(f"source moved ({record['source']} -> {pair.rendered.source})")
    planned = [(f.path, f.format) for f in pair.files]
    if [(f["path"], f["format"]) for f in record["files"]] != planned:
        reasons.append("publish settings changed (targets, codecs or layout)")
    if record["checks"] != pair.checks_key:
        reasons.append("validation rules changed")
    return reasons


def _decide(plan: Plan, store: cache.Cache) -> None:
    previous = plan.previous_records
    intact = publish.intact(plan.previous, plan.config.project.output)
    keys = {p.key for p in plan.pairs}
    plan.removed = sorted(k for k in previous if k not in keys)
    for pair in plan.pairs:
        old = previous.get(pair.key)
        whole = pair.key in intact
        if not pair.selected and old is None:
            pair.action = "skip"
        elif not pair.selected and whole:
            pair.action = "keep"
        # Not selected but its published files were damaged: it is rebuilt like a selected one.
        elif old is not None and whole and not stale_reasons(pair, old):
            pair.action = "reuse"
        elif store.has("audio", pair.audio_key):
            pair.action = "cached"
        elif store.has("synth", pair.synth_key):
            pair.action = "process"
        else:
            pair.action = "synthesize"


def _record(pair: Pair, meta: Mapping[str, Any]) -> publish.PromptRecord:
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
        checks=pair.checks_key,
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
    """Build and publish the prompt set; raise BuildFailed (nothing published) if any pair fails.

    Each pair is processed, written into the staging folder and checked as soon as its audio is
    ready, while other pairs are still being synthesized; the set is swapped in at the end.
    """
    options = options or BuildOptions()
    engines = engines or Engines(config)
    try:
        plan = make_plan(config, options, engines)
        report = BuildReport(plan)
        unchanged = _unchanged_manifest(plan)
        if unchanged is not None:
            report.manifest = unchanged
            for pair in plan.pairs:
                (progress or _quiet)("done", pair)
            return await _export(config, report)
        with publish.Stager(config, plan.checks.check) as stager:
            await _produce(plan, engines, stager, report, progress or _quiet)
            if report.failures:
                raise BuildFailed(sorted(report.failures), len(report.failed))
            report.manifest = stager.finish()
            report.published = True
    finally:
        await engines.aclose()
    return await _export(config, report)


async def _export(config: Config, report: BuildReport) -> BuildReport:
    """Archive, upload and Connect prompts ([publish]) once the set is in place."""
    assert report.manifest is not None
    report.exports = await asyncio.to_thread(export.after_build, config, report.manifest["prompts"])
    return report


def _unchanged_manifest(plan: Plan) -> publish.Manifest | None:
    """The published manifest when this build would publish exactly it again (nothing to do)."""
    if plan.previous is None or plan.changes:
        return None
    previous = plan.previous_records
    records = [previous[p.key] for p in plan.pairs if p.action in ("reuse", "keep")]
    manifest = publish.new_manifest(plan.config, records)
    return manifest if manifest == plan.previous else None


def _quiet(event: str, pair: Pair) -> None:
    return None


async def _produce(
    plan: Plan,
    engines: Engines,
    stager: publish.Stager,
    report: BuildReport,
    progress: Progress,
) -> None:
    """Synthesize what is missing, process and stage every pair; failures go to the report."""
    store = cache.Cache(plan.config.project.cache)
    previous = plan.previous_records
    gates: dict[ResolvedEngine, asyncio.Semaphore] = {}
    # Processing and checking are CPU work in threads, one per core. The pool's shutdown waits
    # for running work, so no thread writes into the staging folder after the build has ended.
    cores = os.cpu_count() or 1
    loop = asyncio.get_running_loop()
    pool = concurrent.futures.ThreadPoolExecutor(cores, thread_name_prefix="ivr-stage")
    # Pairs under way hold their audio: as many as the engines can serve plus a few per worker,
    # so memory stays flat whatever the size of the set, and no engine waits for work.
    busy = ("synthesize", "process", "cached")
    used = {p.engine for p in plan.pairs if p.action in busy}
    window = asyncio.Semaphore(sum(engines.get(e).max_concurrency for e in used) + 4 * cores)

    def fail(pair: Pair, lines: list[str]) -> None:
        report.failures.extend(lines)
        report.failed.add(pair.name)
        progress("failed", pair)

    async def one(pair: Pair) -> None:
        async with window:
            await _one(pair)

    async def _one(pair: Pair) -> None:
        try:
            # Read (and verify) what the cache holds: a corrupt entry is synthesized again.
            entry = store.get("audio", pair.audio_key) if pair.action == "cached" else None
            synth = None
            if entry is None and pair.action != "synthesize":
                synth = store.get("synth", pair.synth_key)
            if entry is None and synth is None:
                engine = engines.get(pair.engine)
                gate = gates.setdefault(pair.engine, asyncio.Semaphore(engine.max_concurrency))
                async with gate:
                    progress("synthesize", pair)
                    made = await engine.synthesize(_request(pair, remote_ids))
                report.synthesized += 1
                synth = cache.AudioEntry(
                    audio.to_pcm16(made.samples), made.sample_rate, dict(made.meta)
                )
                store.put("synth", pair.synth_key, synth)
            problems, processed = await loop.run_in_executor(
                pool, _stage, plan, pair, store, entry, synth, stager
            )
            report.processed += processed
            if problems:
                fail(pair, problems)
            else:
                progress("done", pair)
        except (EngineUnavailable, UsageError):
            raise  # the whole build cannot go on (no key, bad key, unwritable cache...)
        except IvrPromptsError as exc:
            fail(pair, [f"{pair.name}: {exc.message}"])

    remote_ids = await _prepare(plan, engines)
    for pair in plan.pairs:
        if pair.action in ("reuse", "keep"):
            old = previous[pair.key]
            kept = pair.files if pair.action == "reuse" else _files_of(old)
            stager.add(publish.PublishItem(old, kept, None))
            progress("done", pair)
    tasks = [asyncio.create_task(one(p)) for p in plan.pairs if p.action in busy]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stage(
    plan: Plan,
    pair: Pair,
    store: cache.Cache,
    entry: cache.AudioEntry | None,
    synth: cache.AudioEntry | None,
    stager: publish.Stager,
) -> tuple[list[str], bool]:
    """In a worker thread: the processed audio (given, or made from the synthesis), staged.

    Returns the problems found and whether the audio had to be processed.
    """
    processed = entry is None
    if entry is None:
        assert synth is not None
        entry = _process(plan.config, synth)
        store.put("audio", pair.audio_key, entry)
    item = publish.PublishItem(_record(pair, entry.meta), pair.files, entry.samples)
    return stager.add(item), processed


def _files_of(record: publish.PromptRecord) -> list[publish.PlannedFile]:
    return [
        publish.PlannedFile(f["path"], f["target"], f["format"])  # type: ignore[arg-type]
        for f in record["files"]
    ]


async def _prepare(plan: Plan, engines: Engines) -> dict[tuple[str, str], str]:
    """Let each engine that will speak get ready (Waves: voices, dictionaries); (engine, locale)
    -> remote dictionary id."""
    speaking: dict[ResolvedEngine, set[str]] = {}
    for pair in plan.pairs:
        if pair.action == "synthesize":
            speaking.setdefault(pair.engine, set()).add(pair.locale.code)
    ids: dict[tuple[str, str], str] = {}
    for name, codes in speaking.items():
        lexicons = {c: plan.lexicons[c] for c in sorted(codes)}
        found = await engines.get(name).prepare(plan.config, lexicons)
        ids.update(((name, code), dict_id) for code, dict_id in found.items())
    return ids


def _request(pair: Pair, remote_ids: Mapping[tuple[str, str], str]) -> SynthesisRequest:
    remote = remote_ids.get((pair.engine, pair.locale.code))
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


class Checks:
    """The validation rules of each published file: its target's profile (plus publish.profiles
    for the WAV set) over the project's [audio] and [limits], with per-prompt duration bounds."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.base = validate.Rules.from_settings(config.audio, config.limits)
        self._memo: dict[tuple[str, float | None, float | None], list[validate.Rules]] = {}
        self._keys: dict[tuple[tuple[str, ...], float | None, float | None], str] = {}
        self.prompts: dict[tuple[str, str], PromptConfig] = {}

    def rules_for(self, target: str, prompt: PromptConfig) -> list[validate.Rules]:
        memo = (target, prompt.min_seconds, prompt.max_seconds)
        if memo not in self._memo:
            rules = dataclasses.replace(
                self.base,
                min_seconds=prompt.min_seconds or self.base.min_seconds,
                max_seconds=prompt.max_seconds or self.base.max_seconds,
            )
            names: list[ProfileName] = []
            if target in ("asterisk", "freeswitch", "genesys"):
                names.append(cast(ProfileName, target))
            if target == "wav":
                names.extend(cast("tuple[ProfileName, ...]", self.config.publish.profiles))
                if self.config.publish.upload and "amazon-connect" not in names:
                    names.append("amazon-connect")  # checked before anything is uploaded
            self._memo[memo] = [profile_rules(n, rules) for n in names] or [rules]
        return self._memo[memo]

    def key(self, files: list[publish.PlannedFile], prompt: PromptConfig) -> str:
        """A hash of every rule these files are checked against: new rules re-check them."""
        targets = tuple(sorted({f.target for f in files}))
        memo = (targets, prompt.min_seconds, prompt.max_seconds)
        if memo not in self._keys:
            self._keys[memo] = cache.make_key(
                {t: [dataclasses.asdict(r) for r in self.rules_for(t, prompt)] for t in targets}
            )
        return self._keys[memo]

    def check(self, staging: Path, item: publish.PublishItem) -> list[str]:
        """One line per error in one pair's staged files; the sound itself is checked once."""
        record = item.record
        pair = f"{record['id']} [{record['locale']}]"
        prompt = self.prompts[(record["id"], record["locale"])]
        problems: list[str] = []
        sound_checked: set[tuple[Any, ...]] = set()
        for planned in item.files:
            try:
                file = audio.read_audio(staging / planned.path)
            except IvrPromptsError as exc:
                problems.append(f"{pair}: {planned.path}: {exc.message}")
                continue
            for rules in self.rules_for(planned.target, prompt):
                signal = _signal_rules(rules) not in sound_checked
                sound_checked.add(_signal_rules(rules))
                for finding in validate.check_audio(
                    file, rules, text=record["text"], signal=signal
                ):
                    if finding.severity != "error":
                        continue
                    where = "" if finding.check in _SIGNAL_CHECKS else f"{planned.path}: "
                    line = f"{pair}: {where}{finding.check}: {finding.message}"
                    if line not in problems:
                        problems.append(line)
        return problems


def _signal_rules(rules: validate.Rules) -> tuple[Any, ...]:
    """The rules that judge the sound (not the container): equal ones need one check per pair."""
    return (
        rules.min_seconds,
        rules.max_seconds,
        rules.level_dbov,
        rules.level_tolerance_db,
        rules.peak_headroom_db,
        rules.silence_threshold_dbfs,
        rules.max_lead_silence_s,
        rules.max_trail_silence_s,
        rules.chars_per_second,
    )


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
        for r in select(config, options)
        if _selected(r, options)
    ]
