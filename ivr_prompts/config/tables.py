"""The [locales.*] and [[prompts]] tables of prompts.toml: their shapes and their readers."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..kinds import PROMPT_KINDS, EngineName, PromptKind
from ..plugins import ENGINE_NAMES
from . import names
from .names import check_prompt_id
from .reader import Reader, between, positive, show
from .settings import SynthSettings
from .tomlpos import KeyPath


@dataclass(frozen=True)
class LocaleConfig:
    code: str
    language: str
    voice: str
    engine: EngineName
    vars: Mapping[str, Any]
    pronunciations: Path | None
    piper_voice: str | None
    espeak_voice: str | None
    speed: float | None = None
    # [locales.<code>.prompts."<id>"]: values for one prompt id in this locale, over its matrix
    # and vars (French "une" where the matrix gives 1).
    prompts: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    # The pace band of this locale's language, when it differs from [limits]'s (German's long
    # words make fewer words a minute at the same speed).
    min_words_per_minute: float | None = None
    max_words_per_minute: float | None = None

    @property
    def country(self) -> str:
        """FreeSWITCH's country folder: the region part of the code, lower case."""
        parts = self.code.split("-")
        return parts[1].lower() if len(parts) > 1 else self.language


@dataclass(frozen=True)
class PromptConfig:
    id: str
    template: str | None
    text: str | None
    matrix: Mapping[str, tuple[Any, ...]]
    vars: Mapping[str, Any]
    locales: tuple[str, ...] | None
    voice: str | None
    speed: float | None
    engine: EngineName | None
    min_seconds: float | None
    max_seconds: float | None
    line: int
    index: int
    # "speech" is spoken by an engine; a non-speech kind ("silence") is made by the tool itself.
    kind: PromptKind = "speech"
    seconds: float | None = None  # the length of a non-speech prompt


def voice_path(name: str | None, root: Path) -> str | None:
    """A Piper voice given as an .onnx path is relative to the folder holding prompts.toml."""
    if name is None or not name.endswith(".onnx"):
        return name
    return str(root / name)


_LOCALE_KEYS = (
    "speed",
    "language",
    "voice",
    "engine",
    "vars",
    "pronunciations",
    "piper_voice",
    "espeak_voice",
    "prompts",
    "min_words_per_minute",
    "max_words_per_minute",
)


def read_locales(
    r: Reader, table: dict[str, Any], synth: SynthSettings, root: Path
) -> dict[str, LocaleConfig]:
    if not table:
        r.problem(("locales",), 'define at least one locale, e.g. [locales.en-US] language = "en"')
    out: dict[str, LocaleConfig] = {}
    for code, raw in table.items():
        key: KeyPath = ("locales", code)
        if not names.LOCALE.fullmatch(code):
            r.problem(key, "locale codes look like 'en-US' or 'es'")
            continue
        loc = r.table(raw, key)
        r.known(loc, key, _LOCALE_KEYS)
        pron = r.get(loc, key, "pronunciations", str, "")
        vars_ = r.get(loc, key, "vars", dict, {})
        out[code] = LocaleConfig(
            code=code,
            language=r.get(loc, key, "language", str, code.split("-")[0].lower(), names.language),
            voice=r.get(loc, key, "voice", str, synth.voice, names.voice),
            engine=r.choice(loc, key, "engine", ENGINE_NAMES, synth.engine),
            vars=vars_,
            pronunciations=(root / pron) if pron else None,
            piper_voice=voice_path(r.get(loc, key, "piper_voice", str, synth.piper_voice), root),
            espeak_voice=r.get(loc, key, "espeak_voice", str, synth.espeak_voice, names.voice),
            speed=_opt_float(r.get(loc, key, "speed", (int, float), None, between(0.5, 2))),
            prompts=_overrides(r, loc, key),
            min_words_per_minute=_pace(r, loc, key, "min_words_per_minute"),
            max_words_per_minute=_pace(r, loc, key, "max_words_per_minute"),
        )
        _check_band(r, key, out[code])
        if pron and not (root / pron).is_file():
            r.problem((*key, "pronunciations"), f"file not found: {pron}")
    return out


def _pace(r: Reader, loc: dict[str, Any], key: KeyPath, name: str) -> float | None:
    return _opt_float(r.get(loc, key, name, (int, float), None, between(30, 400)))


def _check_band(r: Reader, key: KeyPath, locale: LocaleConfig) -> None:
    low, high = locale.min_words_per_minute, locale.max_words_per_minute
    if low is not None and high is not None and low >= high:
        r.problem(
            (*key, "min_words_per_minute"),
            f"({low:g}) must be below max_words_per_minute ({high:g})",
        )


_PROMPT_KEYS = (
    "id",
    "template",
    "text",
    "matrix",
    "vars",
    "locales",
    "voice",
    "speed",
    "engine",
    "min_seconds",
    "max_seconds",
    "kind",
    "seconds",
)
# Keys that only speech has: a non-speech prompt is never rendered nor sent to an engine.
_SPEECH_KEYS = ("template", "text", "matrix", "vars", "voice", "speed", "engine")


def read_prompts(
    r: Reader, raw: Any, locales: Mapping[str, LocaleConfig]
) -> tuple[PromptConfig, ...]:
    if raw is None:
        r.problem(
            ("prompts",), "define at least one [[prompts]] entry with an id and a template or text"
        )
        return ()
    if not isinstance(raw, list):
        r.problem(("prompts",), "must be an array of tables: write [[prompts]]")
        return ()
    out: list[PromptConfig] = []
    for i, item in enumerate(raw):
        key: KeyPath = ("prompts", i)
        if not isinstance(item, dict):
            r.problem(key, f"expected a table, got {show(item)}")
            continue
        pid = r.get(item, key, "id", str, "")
        if not pid:
            r.problem((*key, "id"), "missing; every prompt needs an id like 'main/welcome'")
            continue
        r.labels[key] = f"prompts[{i}] (id {pid!r})"
        before = len(r.found)
        r.known(item, key, _PROMPT_KEYS)
        # Matrix ids are checked after expansion, when they are real names.
        if "{{" not in pid and (why := check_prompt_id(pid)) is not None:
            r.problem((*key, "id"), f"{why}, got {pid!r}")
        template = r.get(item, key, "template", str, None, names.check_template_name)
        text = r.get(item, key, "text", str, None)
        kind: PromptKind = r.choice(item, key, "kind", PROMPT_KINDS, "speech")
        known = item.get("kind", "speech") in PROMPT_KINDS  # else reported once, above
        seconds = _seconds(r, item, key, kind) if known else None
        if known and kind == "speech" and ("template" in item) == ("text" in item):
            r.problem(key, "needs exactly one of 'template' (a file in templates/) or 'text'")
        matrix = _matrix(r, item, key)
        if "{{" in pid and not matrix:
            r.problem((*key, "id"), "uses {{ }} but the prompt has no matrix to expand it")
        elif matrix and "{{" not in pid:
            used = " ".join(f"{{{{ {n} }}}}" for n in matrix)
            prefix = pid.rpartition("/")[0]
            example = f"{prefix}/{used}" if prefix else used
            r.problem(
                (*key, "id"),
                f"has a matrix but uses none of its names ({used}), so every expansion gets "
                f"the same id; put them in the id, e.g. '{example}'",
            )
        only = r.get(item, key, "locales", list, None)
        if only is not None:
            if not only:
                r.problem((*key, "locales"), "is empty; list locale codes or remove the key")
            for code in only:
                if not isinstance(code, str):
                    r.problem((*key, "locales"), f"expected locale codes, got {show(code)}")
                elif code not in locales:
                    r.problem(
                        (*key, "locales"), f"unknown locale {code!r}; define [locales.{code}]"
                    )
        speed = r.get(item, key, "speed", (int, float), None, between(0.5, 2))
        low = r.get(item, key, "min_seconds", (int, float), None, positive)
        high = r.get(item, key, "max_seconds", (int, float), None, positive)
        out.append(
            PromptConfig(
                id=pid,
                template=template,
                text=text,
                matrix=matrix,
                vars=r.get(item, key, "vars", dict, {}),
                locales=tuple(only) if only is not None else None,
                voice=r.get(item, key, "voice", str, None, names.voice),
                speed=_opt_float(speed),
                engine=r.choice(item, key, "engine", ENGINE_NAMES, None),
                min_seconds=_opt_float(low),
                max_seconds=_opt_float(high),
                line=r.line((*key, "id")),
                index=i,
                kind=kind,
                seconds=seconds,
            )
        )
        for n in range(before, len(r.found)):
            r.found[n] = dataclasses.replace(r.found[n], prompt=pid)
    return tuple(out)


def _seconds(r: Reader, item: Mapping[str, Any], key: KeyPath, kind: PromptKind) -> float | None:
    """A non-speech prompt's length (whole milliseconds: whole samples at 8 and 16 kHz)."""
    seconds = r.get(item, key, "seconds", (int, float), None, between(0.001, 600))
    if kind == "speech":
        if seconds is not None:
            r.problem((*key, "seconds"), 'is only for a non-speech prompt (kind = "silence")')
        return None
    for name in _SPEECH_KEYS:
        if name in item:
            r.problem((*key, name), f'a kind = "{kind}" prompt is not spoken; remove {name!r}')
    if seconds is None:
        if "seconds" not in item:
            r.problem(key, f'kind = "{kind}" needs seconds = its length, e.g. seconds = 1')
        return None
    if abs(seconds * 1000 - round(seconds * 1000)) > 1e-6:
        r.problem((*key, "seconds"), f"must be whole milliseconds, got {seconds!r}")
        return None
    return float(seconds)


def _matrix(r: Reader, item: Mapping[str, Any], key: KeyPath) -> dict[str, tuple[Any, ...]]:
    matrix = r.get(item, key, "matrix", dict, {})
    out: dict[str, tuple[Any, ...]] = {}
    for name, values in matrix.items():
        where = (*key, "matrix", name)
        if not names.IDENTIFIER.fullmatch(name):
            r.problem(where, "matrix names must be identifiers like 'n'")
        elif not isinstance(values, list) or not values:
            r.problem(where, f"expected a non-empty list of values, got {show(values)}")
        else:
            out[name] = tuple(values)
    return out


def _overrides(r: Reader, loc: Mapping[str, Any], key: KeyPath) -> dict[str, dict[str, Any]]:
    """[locales.<code>.prompts."<id>"] tables: each a table of values by name."""
    out: dict[str, dict[str, Any]] = {}
    for pid, values in r.get(loc, key, "prompts", dict, {}).items():
        where = (*key, "prompts", pid)
        if not isinstance(values, dict):
            r.problem(where, f'expected a table of values like {{ n = "une" }}, got {show(values)}')
            continue
        bad = [n for n in values if not names.IDENTIFIER.fullmatch(n)]
        if bad:
            r.problem(where, f"{bad[0]!r} is not a name a template can use (like 'n')")
            continue
        out[pid] = values
    return out


def _opt_float(value: float | int | None) -> float | None:
    return None if value is None else float(value)
