"""prompts.toml -> frozen dataclasses; every problem is reported at once with its key path."""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import plugins, s3url
from ..errors import ConfigError, ConfigNotFound, Problem
from ..kinds import UPLOAD_TARGET, RemoteCacheMode
from ..plugins import ENGINE_NAMES, TARGET_NAMES
from .names import check_prompt_id
from .reader import Reader
from .settings import (
    KEYS,
    SECTIONS,
    AudioSettings,
    Key,
    LimitSettings,
    PublishSettings,
    SynthSettings,
    WavesSettings,
    default,
)
from .tables import LocaleConfig, PromptConfig, read_locales, read_prompts, voice_path
from .tomlpos import KeyPath, error_line, line_of

__all__ = [
    "DEFAULT_FILE",
    "AudioSettings",
    "Config",
    "LimitSettings",
    "LocaleConfig",
    "PromptConfig",
    "PublishSettings",
    "SynthSettings",
    "WavesSettings",
    "check_prompt_id",
    "load",
    "parse",
]

DEFAULT_FILE = "prompts.toml"
HD_INSTALL_HINT = "install it with pip install 'ivr-prompts[hd]'"


@dataclass(frozen=True)
class ProjectSettings:
    name: str
    output: Path
    cache: Path
    remote_cache: str | None = None
    remote_cache_mode: RemoteCacheMode = "read-write"
    remote_cache_required: bool = False


@dataclass(frozen=True)
class Config:
    path: Path
    project: ProjectSettings
    synth: SynthSettings
    waves: WavesSettings
    audio: AudioSettings
    limits: LimitSettings
    publish: PublishSettings
    locales: Mapping[str, LocaleConfig]
    prompts: tuple[PromptConfig, ...]
    # The settings of engines registered by other packages: their [section] -> key -> value.
    engine_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Line of each key path in prompts.toml, so later findings can point at their key.
    key_lines: Mapping[KeyPath, int] = field(default_factory=dict, compare=False, repr=False)

    def line(self, *path: str | int) -> int:
        """The line in prompts.toml writing `path` (or its nearest written parent); 0 if none."""
        return line_of(self.key_lines, path)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def lock_path(self) -> Path:
        return self.root / "prompts.lock.json"


_TOP = (*SECTIONS, "locales", "prompts")


def load(path: Path | str | None = None) -> Config:
    """Read and validate prompts.toml; raise ConfigError listing every problem."""
    file = Path(path) if path is not None else Path(DEFAULT_FILE)
    if file.is_dir():
        file = file / DEFAULT_FILE
    file = file.resolve()
    try:
        raw_text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigNotFound(
            [f"{file}: not found; run in the folder holding {DEFAULT_FILE} or pass --config PATH"]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{file}: cannot read: {exc}"]) from exc
    try:
        data = tomllib.loads(raw_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([toml_problem(file.name, exc, raw_text)]) from exc
    return parse(data, file, raw_text)


def toml_problem(name: str, exc: tomllib.TOMLDecodeError, text: str) -> Problem:
    """A TOML syntax error, pointed at its line."""
    line = error_line(exc, text)
    return Problem(f"{name}: invalid TOML: {exc}", file=name, line=line, code="toml", named=True)


def parse(data: Mapping[str, Any], file: Path, raw_text: str = "") -> Config:
    """Validate an already-decoded prompts.toml."""
    r = Reader(file, raw_text)
    plugged = _engine_sections(r, data)
    r.known(data, (), (*_TOP, *plugged))
    root = file.parent
    tables = {name: r.table(data.get(name), (name,)) for name in SECTIONS}
    for name, table in tables.items():
        r.known(table, (name,), tuple(k.name for k in KEYS if k.section == name))
    values = {name: r.declared(table, name) for name, table in tables.items()}

    p = values["project"]
    if p["remote_cache"] is not None and (problem := s3url.problem(p["remote_cache"])):
        r.problem(("project", "remote_cache"), problem)  # not echoed: it may hold credentials
        p["remote_cache"] = None
    project = ProjectSettings(
        name=p["name"] or root.name or "prompts",
        output=root / p["output"],
        cache=root / p["cache"],
        remote_cache=p["remote_cache"],
        remote_cache_mode=p["remote_cache_mode"],
        remote_cache_required=p["remote_cache_required"],
    )
    s = values["synth"]
    synth = SynthSettings(**{**s, "piper_voice": voice_path(s["piper_voice"], root)})
    w = values["waves"]
    if w["api_key_env"].startswith("sk_"):
        # Never echo the value: it is probably the key itself.
        r.problem(
            ("waves", "api_key_env"),
            "looks like an API key; name an environment variable instead",
        )
        w["api_key_env"] = default("waves", "api_key_env")
    waves = WavesSettings(**w)
    audio = AudioSettings(**values["audio"])
    if not audio.codecs:
        r.problem(("audio", "codecs"), "needs at least one of ulaw, alaw")
    limits = LimitSettings(**values["limits"])
    if limits.min_words_per_minute >= limits.max_words_per_minute:
        r.problem(
            ("limits",),
            f"min_words_per_minute ({limits.min_words_per_minute:g}) must be below "
            f"max_words_per_minute ({limits.max_words_per_minute:g})",
        )
    if limits.min_seconds >= limits.max_seconds:
        r.problem(
            ("limits",),
            f"min_seconds ({limits.min_seconds:g}) must be below max_seconds "
            f"({limits.max_seconds:g})",
        )
    if (upload := values["publish"]["upload"]) is not None and (problem := s3url.problem(upload)):
        r.problem(("publish", "upload"), problem)  # not echoed, as project.remote_cache
        values["publish"]["upload"] = None
    publish = PublishSettings(**values["publish"])
    if not publish.targets:
        r.problem(("publish", "targets"), f"needs at least one of {', '.join(TARGET_NAMES)}")

    locales = read_locales(r, r.table(data.get("locales"), ("locales",)), synth, root)
    _check_exports(r, publish, audio, locales)
    prompts = read_prompts(r, data.get("prompts"), locales)
    for prompt in prompts:
        low = prompt.min_seconds if prompt.min_seconds is not None else limits.min_seconds
        high = prompt.max_seconds if prompt.max_seconds is not None else limits.max_seconds
        if low >= high:
            r.problem(
                ("prompts", prompt.index),
                f"min_seconds ({low:g}) must be below max_seconds ({high:g})",
                prompt=prompt.id,
            )

    config = Config(
        path=file,
        project=project,
        synth=synth,
        waves=waves,
        audio=audio,
        limits=limits,
        publish=publish,
        locales=locales,
        prompts=prompts,
        engine_settings=plugged,
        key_lines=r.lines,
    )
    for path, message in _engine_problems(config):
        r.problem(path, message)
    if r.found:
        raise ConfigError(r.found)
    return config


def _engine_sections(r: Reader, data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The [section] of every registered engine that declares its own keys, read and checked
    as ours are (defaults filled in)."""
    out: dict[str, dict[str, Any]] = {}
    for name in ENGINE_NAMES:
        door = plugins.load(plugins.ENGINES, name)
        keys: Sequence[Key] = door.settings_keys
        section = door.settings_section
        if keys and section is not None and section not in SECTIONS:
            table = r.table(data.get(section), (section,))
            r.known(table, (section,), tuple(k.name for k in keys))
            out[section] = r.declared(table, section, keys)
    return out


def _engine_problems(config: Config) -> list[tuple[KeyPath, str]]:
    """What each engine the file names finds wrong with the rest of it (its door says)."""
    used = {config.synth.engine}
    used |= {loc.engine for loc in config.locales.values()}
    used |= {p.engine for p in config.prompts if p.engine is not None}
    found: list[tuple[KeyPath, str]] = []
    for name in sorted(n for n in used if n in ENGINE_NAMES):
        found.extend(plugins.load(plugins.ENGINES, name).config_problems(config))
    return found


def _check_exports(
    r: Reader,
    publish: PublishSettings,
    audio: AudioSettings,
    locales: Mapping[str, LocaleConfig],
) -> None:
    """The [publish] export keys, checked against the rest of the file."""
    if publish.upload and (UPLOAD_TARGET not in publish.targets or audio.codecs[:1] != ("ulaw",)):
        r.problem(
            ("publish", "upload"),
            f'uploads the mu-law WAV set: add "{UPLOAD_TARGET}" to publish.targets and put '
            '"ulaw" first in audio.codecs',
        )
    if publish.connect_instance and not publish.upload:
        r.problem(("publish", "connect_instance"), 'needs publish.upload = "s3://bucket/prefix"')
    if publish.hd and not _installed("G722"):
        r.problem(("publish", "hd"), f"needs the G722 package: {HD_INSTALL_HINT}")
    for language, code in (publish.asterisk_plain or {}).items():
        speaking = [c for c, loc in locales.items() if loc.language == language]
        if code not in speaking or len(speaking) < 2:
            need = f"one of {', '.join(speaking)}" if len(speaking) > 1 else "removed"
            r.problem(
                ("publish", "asterisk_plain", language),
                f"names the locale published as asterisk/{language}/ when several locales speak "
                f"{language!r}; must be {need}, got {code!r}",
            )


def _installed(module: str) -> bool:
    """Whether an optional dependency can be imported (G722 for publish.hd)."""
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
