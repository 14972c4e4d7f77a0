"""Pairs, keys and staleness: what a build would do. The one rule for build, plan and check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .. import cache
from ..audio import nonspeech
from ..audio.chain import settings_key
from ..config import Config, LocaleConfig
from ..engines.registry import Engines, door, speaker
from ..errors import ConfigError, Problem
from ..export.hd import hd_key
from ..kinds import NonSpeechKind, ResolvedEngine
from ..publish import targets
from ..publish.layout import PlannedFile, planned_files
from ..publish.manifest import PromptRecord, file_problem, read_index
from ..publish.previous import PreviousSet, read_previous
from ..publish.stage import check_output
from ..text import lexicon, render
from ..text.parts import Pause
from ..text.textdiff import word_diff_line
from ..validate.pace import words_per_minute
from . import preflight, spoken_parts
from .build_rules import Checks
from .options import BuildOptions
from .selection import RenderAll, load_lexicons, select, selected
from .spoken_parts import PlannedPart

# synthesize: the engine speaks; process: re-made from the cached synthesis; cached: the processed
# audio is cached; reuse: the published files are current; keep: not selected, published files
# stay; skip: not selected and never published; generate: made by the tool (silence), no engine.
Action = Literal["synthesize", "process", "cached", "reuse", "keep", "skip", "generate"]
BUSY: tuple[Action, ...] = ("synthesize", "process", "cached", "generate")


@dataclass(slots=True)
class Pair:
    """One prompt x locale with everything that decides its audio and its files."""

    rendered: render.Rendered
    locale: LocaleConfig
    engine: ResolvedEngine | NonSpeechKind  # a non-speech kind: made by the tool, no engine
    voice: str
    model: str
    speed: float
    spoken: str
    synth_key: str
    audio_key: str
    checks_key: str
    selected: bool
    lexicon_words: tuple[str, ...]
    config: Config = field(repr=False, compare=False)
    action: Action = "synthesize"
    # Spoken parts and pauses when the pair has a pause (each part synthesized on its own);
    # empty for a pair spoken whole.
    parts: tuple[PlannedPart, ...] = ()

    @property
    def files(self) -> list[PlannedFile]:
        """Every file this pair publishes: made when asked (held for 100,000 pairs, they would
        be most of a plan's memory)."""
        return planned_files(self.config, self.rendered.id, self.locale)

    @property
    def name(self) -> str:
        return self.rendered.pair

    @property
    def characters(self) -> int:
        """Characters an engine is sent for this pair: its spoken text, or its parts'."""
        return spoken_parts.characters(self)

    @property
    def generated(self) -> bool:
        """A non-speech prompt (silence): made by the tool, never sent to an engine."""
        return self.rendered.prompt.kind != "speech"

    @property
    def key(self) -> tuple[str, str]:
        return (self.rendered.id, self.locale.code)

    def record(self, meta: Mapping[str, Any]) -> PromptRecord:
        """This pair's manifest record, with the facts `meta` holds about its audio (no files
        yet: the stager lists them as it writes them)."""
        record = PromptRecord(
            id=self.rendered.id,
            locale=self.locale.code,
            language=self.locale.language,
            text=self.rendered.text,
            spoken_text=self.spoken,
            source=self.rendered.source,
            engine=self.engine,
            voice=self.voice,
            model=self.model,
            speed=self.speed,
            synth_key=self.synth_key,
            cache_key=self.audio_key,
            checks=self.checks_key,
            duration_s=float(meta.get("duration_s", 0.0)),
            level_dbov=float(meta.get("level_dbov", 0.0)),
            peak_dbfs=float(meta.get("peak_dbfs", 0.0)),
            words_per_minute=words_per_minute(
                self.rendered.spoken, float(meta.get("speech_s", 0.0))
            ),
            request_id=str(meta.get("request_id", "")),
            files=[],
        )
        parts = self.parts_record()
        if parts is not None:
            record["parts"] = parts
        if self.generated:  # speech records carry no kind (as before)
            record["kind"] = self.rendered.prompt.kind
        return record

    def parts_record(self) -> list[str | int] | None:
        """Its parts as the manifest records them (texts and pause lengths), None without."""
        if not self.rendered.parts:
            return None
        return [p.ms if isinstance(p, Pause) else p.text for p in self.rendered.parts]


@dataclass(repr=False)
class Plan:
    """Every pair of the set, and what the last published set had that this one drops."""

    config: Config
    pairs: list[Pair]
    lexicons: dict[str, lexicon.Lexicon]
    previous: PreviousSet | None
    checks: Checks
    removed: list[tuple[str, str]] = field(default_factory=list)
    # Synthesis keys of the spoken parts (of pairs with pauses) the cache holds.
    cached_parts: frozenset[str] = frozenset()
    # Pre-flight warnings: plan and check show them, build logs them.
    warnings: list[Problem] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for p in self.pairs if p.action == action)

    @property
    def previous_records(self) -> Mapping[tuple[str, str], PromptRecord]:
        """The published set's records by (id, locale), each parsed when asked; empty before
        the first build."""
        return self.previous if self.previous is not None else {}

    def __repr__(self) -> str:
        # Compact on purpose: Python 3.11's asyncio.run repr()s the finished main task (and so
        # the report holding this plan) when it restores the SIGINT handler.
        return f"Plan({len(self.pairs)} pairs, {len(self.removed)} removed)"

    @property
    def billed_chars(self) -> int:
        """Characters a build would be billed for (engines that bill them) for the pairs it
        must synthesize: each text once (a pair with pauses: each of its parts the cache does
        not hold)."""
        billed = [
            p for p in self.pairs if p.action == "synthesize" and door(p.engine).bills_characters
        ]
        return spoken_parts.billed(billed, self.cached_parts)

    @property
    def changes(self) -> bool:
        """Whether a build would change the published set."""
        return bool(self.removed) or any(p.action in BUSY for p in self.pairs)


def processing_fields(config: Config) -> dict[str, Any]:
    """Settings that change processed audio but not the synthesis."""
    return settings_key(config.audio)


def make_plan(
    config: Config,
    options: BuildOptions,
    engines: Engines,
    store: cache.LayeredCache | None = None,
    render_all: RenderAll = render.render_all,
) -> Plan:
    """Render every pair and key it; decide for each whether to synthesize, process or reuse."""
    previous = read_previous(config.project.output)
    check_output(config, previous)  # before anything is synthesized (and paid for)
    lexicons = load_lexicons(config)
    rendered = select(config, options, render_all)
    warnings = preflight.require(config, rendered, options.engine)  # before any engine is asked
    processing = processing_fields(config)
    checks = Checks(config)
    identities: dict[tuple[str, str, str], dict[str, str]] = {}
    shared: dict[str, str] = {}
    pairs: list[Pair] = []
    for r in rendered:
        loc = config.locales[r.locale]
        prompt = r.prompt
        if prompt.kind != "speech":
            pairs.append(_generated_pair(config, r, options, checks))
            continue
        who = speaker(config, loc, prompt, options.engine)
        engine_name, voice, model = who.engine, who.voice, who.model
        engine = engines.get(engine_name)
        ident_key = (engine_name, voice, model)
        if ident_key not in identities:
            identities[ident_key] = engines.identity(engine_name, voice, model)
        speed = next(s for s in (prompt.speed, loc.speed, config.synth.speed) if s is not None)
        voice_key = spoken_parts.Voice(
            identities[ident_key], loc.language, speed, lexicons[r.locale], engine.remote_lexicon
        )
        # The dictionary applies to the verbalized text: it can respell "twenty twenty-six".
        # A pair with pauses is keyed (and synthesized) part by part.
        whole, parts = voice_key.key_pair(r.parts, r.spoken)
        files = planned_files(config, r.id, loc)
        checks_key = checks.key(files, prompt)  # most pairs share it: kept once (`shared`)
        pairs.append(
            Pair(
                rendered=r,
                locale=loc,
                engine=engine_name,
                voice=voice,
                model=model,
                speed=speed,
                spoken=whole.spoken,
                synth_key=whole.synth_key,
                audio_key=cache.make_key({"synth": whole.synth_key, **processing}),
                checks_key=shared.setdefault(checks_key, checks_key),
                selected=selected(r, options),
                lexicon_words=whole.lexicon_words,
                config=config,
                parts=parts,
            )
        )
    ids = [p.rendered.id for p in pairs]
    if problems := [m for t in targets.doors(config) for m in t.name_problems(config, ids)]:
        raise ConfigError(problems)
    _check_collisions(config, pairs)
    plan = Plan(config, pairs, lexicons, previous, checks, warnings=warnings)
    if store is not None:
        _decide(plan, store)
        return plan
    store = cache.open_cache(config.project)
    try:
        _decide(plan, store)
    finally:
        store.close()
    return plan


def _generated_pair(
    config: Config, r: render.Rendered, options: BuildOptions, checks: Checks
) -> Pair:
    """A non-speech pair: keyed by what it is (kind, seconds), with no engine, voice or text."""
    prompt = r.prompt
    assert prompt.kind == "silence"
    assert prompt.seconds is not None
    ident, loc = nonspeech.identity(prompt.kind, prompt.seconds), config.locales[r.locale]
    return Pair(
        rendered=r,
        locale=loc,
        engine=prompt.kind,
        voice="",
        model="",
        speed=1.0,
        spoken="",
        synth_key=cache.make_key(ident),
        audio_key=cache.make_key({**ident, "rate": 8000}),
        checks_key=checks.key(planned_files(config, r.id, loc), prompt),
        selected=selected(r, options),
        lexicon_words=(),
        config=config,
    )


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


def stale_reasons(pair: Pair, record: PromptRecord) -> list[str]:
    """Why a published record no longer matches its sources (empty when it does).

    The one rule for both `build` (reuse or not) and `check` (stale or not).
    """
    reasons: list[str] = []
    if record["text"] != pair.rendered.text:
        reasons.append(f"text changed: {word_diff_line(record['text'], pair.rendered.text)}")
    elif (published := record.get("parts")) != (said := pair.parts_record()):
        before, after = spoken_parts.pauses_of(published), spoken_parts.pauses_of(said)
        reasons.append(f"pauses changed (published {before} ms, now {after} ms)")
    elif record["spoken_text"] != pair.spoken or (
        record["synth_key"] != pair.synth_key
        and pair.engine == record["engine"]
        and door(pair.engine).remote_lexicon
        and pair.lexicon_words
    ):
        reasons.append(
            "pronunciation dictionary changed"
            if pair.lexicon_words
            else "spoken text changed (markup, verbalization or pronunciation dictionary)"
        )
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


def _decide(plan: Plan, store: cache.LayeredCache) -> None:
    previous = plan.previous_records
    index = read_index(plan.config.project.output)
    keys = {p.key for p in plan.pairs}
    plan.removed = sorted(k for k in previous if k not in keys)
    rest: list[Pair] = []
    for pair in plan.pairs:
        old = previous.get(pair.key)  # parsed here, once per pair
        # Its files all still hold exactly the bytes the manifest lists.
        whole = old is not None and not any(file_problem(f, index) for f in old["files"])
        if not pair.selected and old is None:
            pair.action = "skip"
        elif not pair.selected and whole:
            pair.action = "keep"
        # Not selected but its published files were damaged: it is rebuilt like a selected one.
        elif old is not None and whole and not stale_reasons(pair, old):
            pair.action = "reuse"
        else:
            rest.append(pair)
    # One batch per kind: a remote cache is asked in parallel, and only about what is missing.
    hd = plan.config.publish.hd
    wanted = [
        k for p in rest for k in ((p.audio_key, hd_key(p.audio_key)) if hd else (p.audio_key,))
    ]
    audio_keys = store.present("audio", wanted)
    done = {p.name for p in rest if p.audio_key in audio_keys} - {
        p.name for p in rest if hd and hd_key(p.audio_key) not in audio_keys
    }
    unmade = [p for p in rest if p.name not in done and not p.generated]
    synth_keys = store.present("synth", (k for p in unmade for k in spoken_parts.synth_keys(p)))
    parts = (k for p in unmade if p.parts for k in spoken_parts.synth_keys(p))
    plan.cached_parts = frozenset(parts) & synth_keys
    for pair in rest:
        if pair.name in done:
            pair.action = "cached"
        elif pair.generated:
            pair.action = "generate"
        elif all(k in synth_keys for k in spoken_parts.synth_keys(pair)):
            pair.action = "process"
        else:
            pair.action = "synthesize"
