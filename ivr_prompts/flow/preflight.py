"""Pre-flight: every problem that needs no audio, found before the first synthesis request.

`check`, `plan` and `build` run it on the rendered set: each locale's language and voice against
what its engine speaks, every target's and profile's naming rules on the names that will be
published, collisions between published paths, and text an engine cannot take.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .. import validate
from ..config import Config, LocaleConfig
from ..engines.findings import Finding
from ..engines.registry import door, engine_for
from ..errors import PreflightFailed, Problem
from ..kinds import EngineName, ProfileName, ResolvedEngine
from ..publish import layout, targets
from ..text.render import Rendered

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
    # Non-speech prompts (silence) are never sent to an engine: no language or text to check.
    spoken = [p for p in pairs if p.rendered.prompt.kind == "speech"]
    return [
        *_languages(config, spoken),
        *_texts(config, spoken),
        *_paths(config, pairs),
        *_profiles(config, pairs),
    ]


def require(
    config: Config, rendered: Sequence[Rendered], engine: EngineName | None = None
) -> list[Problem]:
    """Raise PreflightFailed listing every error; the plan calls it before any synthesis.
    The warnings (a voice that may not speak its locale's accent, a stale catalog) are returned."""
    problems = run(config, rendered, engine)
    if any(p.severity == "error" for p in problems):
        raise PreflightFailed([p for p in problems if p.severity == "error"])
    return problems


def _engine(config: Config, rendered: Rendered, override: EngineName | None) -> ResolvedEngine:
    return engine_for(config.locales[rendered.locale], rendered.prompt, override)


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


def _languages(config: Config, pairs: Iterable[_Pair]) -> list[Problem]:
    """What each engine says of the locales it speaks (all of one engine's at once)."""
    codes: dict[str, set[str]] = {}
    for pair in pairs:
        codes.setdefault(pair.engine, set()).add(pair.locale.code)
    return [
        _finding(config, finding)
        for engine, of_engine in sorted(codes.items())
        for finding in door(engine).language_findings(config, sorted(of_engine))
    ]


def _finding(config: Config, finding: Finding) -> Problem:
    """An engine's finding as a problem at its locale's key (or at the file, about the engine's
    own data, such as the Waves voice catalog)."""
    key = ("locales", finding.locale, finding.field) if finding.locale else ()
    problem = _problem(config, finding.message, key, "language" if finding.locale else "catalog")
    return dataclasses.replace(problem, severity=finding.severity)


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
        elif len(text) > (limit := (speaking := door(pair.engine)).max_prompt_chars):
            found.append(
                _problem(
                    config,
                    f"{pair.rendered.pair}: {len(text)} characters, over the {limit}-"
                    f"character limit of {speaking.limit_of}; split the prompt",
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
    named = [t for t in targets.doors(config) if t.takes_profiles]
    base = validate.Rules.from_settings(config.audio, config.limits)
    for name in config.publish.profiles if named else ():
        rules = validate.profile_rules(name, base)  # type: ignore[arg-type]
        seen: dict[tuple[str, str], _Pair] = {}
        for pair, stem in _stems(config, named, pairs):
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


def _stems(
    config: Config, named: Sequence[targets.TargetDoor], pairs: Sequence[_Pair]
) -> Iterator[tuple[_Pair, str]]:
    """Each pair's file names (without folder and extension) in the targets profiles apply to."""
    for target in named:
        for pair in pairs:
            for path, _ in target.files(config, pair.rendered.id, pair.locale):
                yield pair, path.rpartition("/")[2].rpartition(".")[0]


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
