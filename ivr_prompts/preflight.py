"""Pre-flight: every problem that needs no audio, found before the first synthesis request.

`check`, `plan` and `build` run it on the rendered set: each locale's language and voice against
what its engine speaks, every target's and profile's naming rules on the names that will be
published, collisions between published paths, and text an engine cannot take.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import validate
from .config import Config, LocaleConfig
from .engines import local
from .engines.registry import resolve
from .errors import PreflightFailed, Problem
from .kinds import EngineName, ProfileName, ResolvedEngine
from .publish import layout
from .render import Rendered, wav_name

# Lightning v3.1's languages (shared/waves-api.md); the live catalog is checked when building.
WAVES_LANGUAGES = ("en", "hi", "mr", "kn", "ta", "bn", "gu", "te", "ml", "pa", "or", "es")
# One request to a local engine: longer text is refused, naming the limit. Waves splits text
# into requests of waves.max_chars, up to a whole prompt of WAVES_MAX_CHARS.
LOCAL_MAX_CHARS = 2000
WAVES_MAX_CHARS = 20000
# Contact-center prompt libraries are flat: a locale's WAVs share one folder of names.
FLAT_PROFILES: tuple[ProfileName, ...] = ("amazon-connect", "genesys", "cisco-uccx", "avaya")


@dataclass(frozen=True)
class _Pair:
    rendered: Rendered
    locale: LocaleConfig
    engine: ResolvedEngine


def run(
    config: Config, rendered: Sequence[Rendered], engine: EngineName | None = None
) -> list[Problem]:
    """Every pre-flight problem of the rendered set (empty when a build may start)."""
    pairs = [_Pair(r, config.locales[r.locale], _engine(config, r, engine)) for r in rendered]
    return [
        *_languages(config, pairs),
        *_texts(config, pairs),
        *_paths(config, pairs),
        *_profiles(config, pairs),
    ]


def require(config: Config, rendered: Sequence[Rendered], engine: EngineName | None = None) -> None:
    """Raise PreflightFailed listing every problem; the plan calls it before any synthesis."""
    problems = run(config, rendered, engine)
    if problems:
        raise PreflightFailed(problems)


def _engine(config: Config, rendered: Rendered, override: EngineName | None) -> ResolvedEngine:
    locale = config.locales[rendered.locale]
    return resolve(override or rendered.prompt.engine or locale.engine, locale)


def _problem(
    config: Config, message: str, key: Sequence[str | int], code: str, pair: _Pair | None = None
) -> Problem:
    return Problem(
        message,
        file=config.path.name,
        line=config.line(*key),
        key=".".join(str(k) for k in key),
        prompt=pair.rendered.id if pair else "",
        locale=pair.locale.code if pair else "",
        code=code,
        named=True,  # every message starts with the pair or the locale it is about
    )


@functools.cache
def espeak_voices() -> frozenset[str]:
    """The voice names espeak-ng's bundled data holds (its lang/ tree, one file per voice)."""
    try:
        import espeakng_loader

        root = Path(espeakng_loader.get_data_path()) / "lang"
    except ImportError:
        return frozenset()
    return frozenset(name.lower() for _, _, files in os.walk(root) for name in files)


def _languages(config: Config, pairs: Iterable[_Pair]) -> list[Problem]:
    found: list[Problem] = []
    for code, engine in sorted({(p.locale.code, p.engine) for p in pairs}):
        locale = config.locales[code]
        key = ("locales", code, "language")
        if engine == "waves":
            if config.synth.model == "lightning_v3.1" and locale.language not in WAVES_LANGUAGES:
                found.append(
                    _problem(
                        config,
                        f"locale {code}: Waves {config.synth.model} does not speak language "
                        f"{locale.language!r}; it speaks {', '.join(WAVES_LANGUAGES)} (more "
                        f'on lightning_v3.1_pro), or use engine = "espeak"',
                        key,
                        "language",
                    )
                )
        elif engine == "espeak":
            voice = locale.espeak_voice or local.default_voice(code, locale.language)
            if espeak_voices() and voice.lower() not in espeak_voices():
                found.append(
                    _problem(
                        config,
                        f"locale {code}: espeak-ng has no voice {voice!r} (language "
                        f"{locale.language!r}); set espeak_voice to one that "
                        "`espeak-ng --voices` lists, or use another engine",
                        ("locales", code, "espeak_voice" if locale.espeak_voice else "language"),
                        "language",
                    )
                )
        elif local.find_voice(locale.piper_voice, locale.language, code) is None:
            have = sorted({v.language for v in local.installed_voices()}) or ["none"]
            found.append(
                _problem(
                    config,
                    f"locale {code}: no installed Piper voice speaks language "
                    f"{locale.language!r} (installed: {', '.join(have)}); set piper_voice to "
                    'an .onnx voice for it, or use engine = "espeak"',
                    key,
                    "language",
                )
            )
    return found


def _texts(config: Config, pairs: Iterable[_Pair]) -> list[Problem]:
    found: list[Problem] = []
    for pair in pairs:
        text = pair.rendered.spoken  # what the engine is sent (verbalized)
        key = ("prompts", pair.rendered.prompt.index, "text")
        bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs")), None)
        if bad is not None:
            found.append(
                _problem(
                    config,
                    f"{pair.rendered.pair}: text holds control character U+{ord(bad):04X} at "
                    f"position {text.index(bad)}; remove it",
                    key,
                    "text",
                    pair,
                )
            )
        elif len(text) > (limit := WAVES_MAX_CHARS if pair.engine == "waves" else LOCAL_MAX_CHARS):
            what = "a Waves prompt" if pair.engine == "waves" else f"one {pair.engine} request"
            found.append(
                _problem(
                    config,
                    f"{pair.rendered.pair}: {len(text)} characters, over the {limit}-"
                    f"character limit of {what}; split the prompt",
                    key,
                    "text",
                    pair,
                )
            )
    return found


def _paths(config: Config, pairs: Sequence[_Pair]) -> list[Problem]:
    """No published file where an index file goes or where another prompt needs a folder."""
    owner: dict[str, _Pair] = {}
    reserved: set[str] = set()
    for code in {p.locale.code for p in pairs}:
        reserved |= layout.index_paths(config, config.locales[code])
    for pair in pairs:
        for f in layout.planned_files(config, pair.rendered.id, pair.locale):
            owner.setdefault(f.path, pair)
    folders: dict[str, str] = {}  # each folder the set needs -> the first file under it
    for path in owner:
        cut = path.rfind("/")
        while cut > 0 and path[:cut] not in folders:
            folders[path[:cut]] = path
            cut = path.rfind("/", 0, cut)
    clashes: list[tuple[_Pair, str]] = []
    for path, pair in owner.items():
        if path in reserved:
            clashes.append((pair, f"publishes {path}, which is the set's index file {path}"))
        elif path in folders:
            needer = owner[folders[path]]
            what = f"the file of {pair.rendered.id!r}"
            clashes.append((needer, f"needs the folder {path}, which is {what}"))
    for folder, path in folders.items():
        if folder in reserved:
            what = f"the set's index file {folder}"
            clashes.append((owner[path], f"needs the folder {folder}, which is {what}"))
    return [
        _problem(
            config,
            f"{pair.rendered.pair}: {clash}; rename the prompt",
            ("prompts", pair.rendered.prompt.index, "id"),
            "name",
            pair,
        )
        for pair, clash in clashes
    ]


def _profiles(config: Config, pairs: Sequence[_Pair]) -> list[Problem]:
    """Every profile's name rules on the WAV set's names; collisions within flat libraries."""
    found: list[Problem] = []
    if "wav" not in config.publish.targets:
        return found
    base = validate.Rules.from_settings(config.audio, config.limits)
    for name in config.publish.profiles:
        rules = validate.profile_rules(name, base)  # type: ignore[arg-type]
        seen: dict[tuple[str, str], _Pair] = {}
        for pair in pairs:
            stem = wav_name(config, pair.rendered.id).rpartition("/")[2]
            key = ("prompts", pair.rendered.prompt.index, "id")
            why = _name_problem(stem, rules)
            if why is not None:
                found.append(_problem(config, f"{pair.rendered.pair}: {why}", key, "name", pair))
            if name not in FLAT_PROFILES:
                continue
            first = seen.setdefault((pair.locale.code, stem.lower()), pair)
            if first is not pair:
                found.append(
                    _problem(
                        config,
                        f"{pair.rendered.pair}: {stem}.wav collides with "
                        f"{first.rendered.id!r} in {name}'s flat prompt library; rename one",
                        key,
                        "name",
                        pair,
                    )
                )
    return found


def _name_problem(stem: str, rules: validate.Rules) -> str | None:
    """The platform's rule a published name breaks (the rule `validate` applies to the file)."""
    if rules.max_name_length is not None and len(stem) > rules.max_name_length:
        return (
            f"name {stem!r} is {len(stem)} characters; {rules.platform} allows at most "
            f"{rules.max_name_length}; rename the prompt"
        )
    if rules.name_pattern is not None and not re.fullmatch(rules.name_pattern, stem):
        return f"name {stem!r} breaks {rules.platform}'s naming rule ({rules.name_rule}); rename it"
    return None
