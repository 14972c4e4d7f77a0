"""prompts.toml -> frozen dataclasses; every problem is reported at once with its key path."""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast, get_args

from .errors import ConfigError, ConfigNotFound
from .kinds import (
    ARCHIVE_FORMATS,
    CODECS,
    DEFAULT_TARGETS,
    ENGINE_NAMES,
    PROFILE_NAMES,
    TARGETS,
    ArchiveFormat,
    Codec,
    Endpoint,
    EngineName,
    Target,
    WavesFormat,
    WavesModel,
)

WAVES_RATES = (8000, 16000, 24000, 44100)
DEFAULT_FILE = "prompts.toml"

# Path-like ids become file names on every platform we publish to.
_ID_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_REQUEST_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ProjectSettings:
    name: str
    output: Path
    cache: Path


@dataclass(frozen=True)
class SynthSettings:
    engine: EngineName = "local"
    voice: str = "magnus"
    model: WavesModel = "lightning_v3.1"
    speed: float = 1.0
    piper_voice: str | None = None
    espeak_voice: str | None = None


@dataclass(frozen=True)
class WavesSettings:
    base_url: str = "https://api.smallest.ai"
    api_key_env: str = "SMALLEST_API_KEY"
    endpoint: Endpoint = "sync"
    sample_rate: int = 8000
    output_format: WavesFormat = "pcm"
    concurrency: int = 1
    timeout_seconds: float = 30.0
    max_attempts: int = 6
    deadline_seconds: float = 900.0
    max_chars: int = 250
    legacy_routes: bool = False
    dictionaries: bool = True


@dataclass(frozen=True)
class AudioSettings:
    codecs: tuple[Codec, ...] = ("ulaw", "alaw")
    level_dbov: float = -26.0
    level_tolerance_db: float = 2.0
    peak_headroom_db: float = 1.0
    lead_pad_ms: int = 50
    trail_pad_ms: int = 200
    silence_threshold_dbfs: float = -45.0
    sentence_pause_ms: int = 300


@dataclass(frozen=True)
class LimitSettings:
    min_seconds: float = 0.2
    max_seconds: float = 60.0


@dataclass(frozen=True)
class PublishSettings:
    targets: tuple[Target, ...] = DEFAULT_TARGETS
    asterisk_wav: bool = False
    freeswitch_voice: str = "ivr"
    profiles: tuple[str, ...] = ()
    archive: ArchiveFormat | None = None  # also write <output>.tar.gz / .zip beside the set
    upload: str | None = None  # s3://bucket/prefix: the mu-law WAV set for Amazon Connect
    connect_instance: str | None = None  # create/update Connect prompts for the uploaded WAVs
    hd: bool = False  # also 16 kHz: Asterisk .sln16/.wav16/.g722, FreeSWITCH 16000/
    # language -> the locale also published as plain asterisk/<language>/ (default: the first)
    asterisk_plain: Mapping[str, str] = dataclasses.field(default_factory=dict)


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

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def lock_path(self) -> Path:
        return self.root / "prompts.lock.json"


T = TypeVar("T")


class _Reader:
    """Collects every problem in one pass, each prefixed with the file and key path."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.problems: list[str] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{self.file.name}: {key}: {message}")

    def table(self, data: Any, key: str) -> dict[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problem(key, f"expected a table, got {_show(data)}")
            return {}
        return data

    def known(self, data: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> None:
        for name in data:
            if name == "api_key":
                self.problem(
                    f"{key}.{name}" if key else name,
                    "keys never go in prompts.toml; set SMALLEST_API_KEY (or name another "
                    "variable with waves.api_key_env)",
                )
            elif name not in allowed:
                where = f"{key}.{name}" if key else name
                hint = difflib.get_close_matches(name, allowed, n=1)
                fix = f"did you mean '{hint[0]}'?" if hint else f"allowed: {', '.join(allowed)}"
                self.problem(where, f"unknown key; {fix}")

    def get(
        self,
        data: Mapping[str, Any],
        key: str,
        name: str,
        kind: type[T] | tuple[type, ...],
        default: T,
        check: Callable[[Any], str | None] | None = None,
    ) -> T:
        if name not in data:
            return default
        value = data[name]
        where = f"{key}.{name}" if key else name
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            want = " or ".join(k.__name__ for k in kinds)
            self.problem(where, f"expected {want}, got {_show(value)}")
            return default
        if check is not None and (message := check(value)) is not None:
            self.problem(where, f"{message}, got {_show(value)}")
            return default
        return cast(T, value)

    def choice(
        self, data: Mapping[str, Any], key: str, name: str, choices: tuple[str, ...], default: str
    ) -> str:
        def check(value: Any) -> str | None:
            if value in choices:
                return None
            hint = difflib.get_close_matches(str(value), choices, n=1)
            tail = f" (did you mean '{hint[0]}'?)" if hint else ""
            return f"must be one of {', '.join(choices)}{tail}"

        return self.get(data, key, name, str, default, check)

    def choices(
        self,
        data: Mapping[str, Any],
        key: str,
        name: str,
        choices: tuple[str, ...],
        default: tuple[str, ...],
    ) -> tuple[str, ...]:
        values = self.get(data, key, name, list, list(default))
        out: list[str] = []
        for i, value in enumerate(values):
            if value in choices:
                if value not in out:
                    out.append(value)
            else:
                self.problem(
                    f"{key}.{name}[{i}]", f"must be one of {', '.join(choices)}, got {_show(value)}"
                )
        return tuple(out)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _between(low: float, high: float) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if low <= value <= high else f"must be between {low:g} and {high:g}"

    return check


def _positive(value: Any) -> str | None:
    return None if value > 0 else "must be greater than 0"


def check_prompt_id(prompt_id: str) -> str | None:
    """Why `prompt_id` cannot be a file path, or None when it is safe."""
    if not prompt_id:
        return "is empty"
    if prompt_id.startswith("/") or "\\" in prompt_id or ":" in prompt_id:
        return "must be a relative path like 'main/welcome'"
    for segment in prompt_id.split("/"):
        if segment in ("", ".", ".."):
            return "must not contain empty, '.' or '..' segments"
        if not _ID_SEGMENT.match(segment):
            return "may use only letters, digits, '_', '-' and '.' in each '/'-separated part"
    return None


_TOP = ("project", "synth", "waves", "audio", "limits", "publish", "locales", "prompts")


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
        raise ConfigError([f"{file.name}: invalid TOML: {exc}"]) from exc
    return parse(data, file, raw_text)


def parse(data: Mapping[str, Any], file: Path, raw_text: str = "") -> Config:
    """Validate an already-decoded prompts.toml."""
    r = _Reader(file)
    r.known(data, "", _TOP)
    root = file.parent

    p = r.table(data.get("project"), "project")
    r.known(p, "project", ("name", "output", "cache"))
    name = r.get(p, "project", "name", str, root.name or "prompts")
    project = ProjectSettings(
        name=name,
        output=root / r.get(p, "project", "output", str, "dist"),
        cache=root / r.get(p, "project", "cache", str, ".ivr-cache"),
    )

    s = r.table(data.get("synth"), "synth")
    r.known(s, "synth", ("engine", "voice", "model", "speed", "piper_voice", "espeak_voice"))
    synth = SynthSettings(
        engine=r.choice(s, "synth", "engine", ENGINE_NAMES, "local"),  # type: ignore[arg-type]
        voice=r.get(s, "synth", "voice", str, "magnus"),
        model=r.choice(s, "synth", "model", get_args(WavesModel), "lightning_v3.1"),  # type: ignore[arg-type]
        speed=float(r.get(s, "synth", "speed", (int, float), 1.0, _between(0.5, 2.0))),
        piper_voice=_voice_path(r.get(s, "synth", "piper_voice", str, None), root),
        espeak_voice=r.get(s, "synth", "espeak_voice", str, None),
    )

    w = r.table(data.get("waves"), "waves")
    d = WavesSettings()
    r.known(w, "waves", tuple(WavesSettings.__dataclass_fields__))
    rate_check = _one_of_numbers(WAVES_RATES)
    api_key_env = r.get(w, "waves", "api_key_env", str, d.api_key_env)
    if api_key_env.startswith("sk_"):
        r.problem(
            "waves.api_key_env", "looks like an API key; name an environment variable instead"
        )
        api_key_env = d.api_key_env
    waves = WavesSettings(
        base_url=r.get(w, "waves", "base_url", str, d.base_url, _url),
        api_key_env=api_key_env,
        endpoint=r.choice(w, "waves", "endpoint", get_args(Endpoint), d.endpoint),  # type: ignore[arg-type]
        sample_rate=r.get(w, "waves", "sample_rate", int, d.sample_rate, rate_check),
        output_format=r.choice(  # type: ignore[arg-type]
            w, "waves", "output_format", get_args(WavesFormat), d.output_format
        ),
        concurrency=r.get(w, "waves", "concurrency", int, d.concurrency, _between(1, 64)),
        timeout_seconds=float(r.get(w, "waves", "timeout_seconds", (int, float), 30.0, _positive)),
        max_attempts=r.get(w, "waves", "max_attempts", int, d.max_attempts, _between(1, 20)),
        deadline_seconds=float(
            r.get(w, "waves", "deadline_seconds", (int, float), d.deadline_seconds, _positive)
        ),
        max_chars=r.get(w, "waves", "max_chars", int, d.max_chars, _between(20, 8000)),
        legacy_routes=r.get(w, "waves", "legacy_routes", bool, d.legacy_routes),
        dictionaries=r.get(w, "waves", "dictionaries", bool, d.dictionaries),
    )

    a = r.table(data.get("audio"), "audio")
    ad = AudioSettings()
    r.known(a, "audio", tuple(AudioSettings.__dataclass_fields__))
    audio = AudioSettings(
        codecs=r.choices(a, "audio", "codecs", CODECS, ad.codecs),  # type: ignore[arg-type]
        level_dbov=float(r.get(a, "audio", "level_dbov", (int, float), -26.0, _between(-40, -10))),
        level_tolerance_db=float(
            r.get(a, "audio", "level_tolerance_db", (int, float), 2.0, _between(0.1, 10))
        ),
        peak_headroom_db=float(
            r.get(a, "audio", "peak_headroom_db", (int, float), 1.0, _between(0, 12))
        ),
        lead_pad_ms=r.get(a, "audio", "lead_pad_ms", int, ad.lead_pad_ms, _between(0, 2000)),
        trail_pad_ms=r.get(a, "audio", "trail_pad_ms", int, ad.trail_pad_ms, _between(0, 2000)),
        silence_threshold_dbfs=float(
            r.get(a, "audio", "silence_threshold_dbfs", (int, float), -45.0, _between(-90, -20))
        ),
        sentence_pause_ms=r.get(
            a, "audio", "sentence_pause_ms", int, ad.sentence_pause_ms, _between(0, 3000)
        ),
    )
    if not audio.codecs:
        r.problem("audio.codecs", "needs at least one of ulaw, alaw")

    lim = r.table(data.get("limits"), "limits")
    r.known(lim, "limits", ("min_seconds", "max_seconds"))
    limits = LimitSettings(
        min_seconds=float(r.get(lim, "limits", "min_seconds", (int, float), 0.2, _between(0, 600))),
        max_seconds=float(
            r.get(lim, "limits", "max_seconds", (int, float), 60.0, _between(0.1, 3600))
        ),
    )
    if limits.min_seconds >= limits.max_seconds:
        r.problem(
            "limits",
            f"min_seconds ({limits.min_seconds:g}) must be below max_seconds "
            f"({limits.max_seconds:g})",
        )

    pub = r.table(data.get("publish"), "publish")
    r.known(pub, "publish", tuple(PublishSettings.__dataclass_fields__))

    publish = PublishSettings(
        targets=r.choices(pub, "publish", "targets", TARGETS, DEFAULT_TARGETS),  # type: ignore[arg-type]
        asterisk_wav=r.get(pub, "publish", "asterisk_wav", bool, False),
        freeswitch_voice=r.get(pub, "publish", "freeswitch_voice", str, "ivr", _safe_segment),
        profiles=r.choices(pub, "publish", "profiles", PROFILE_NAMES, ()),
        archive=r.choice(pub, "publish", "archive", ARCHIVE_FORMATS, None),  # type: ignore[arg-type]
        upload=r.get(pub, "publish", "upload", str, None, _s3_url),
        connect_instance=r.get(pub, "publish", "connect_instance", str, None),
        asterisk_plain=r.get(pub, "publish", "asterisk_plain", dict, {}),
        hd=r.get(pub, "publish", "hd", bool, False),
    )
    if publish.upload and ("wav" not in publish.targets or audio.codecs[0] != "ulaw"):
        r.problem(
            "publish.upload",
            'uploads the mu-law WAV set: add "wav" to publish.targets and put "ulaw" first '
            "in audio.codecs",
        )
    uses_waves = synth.engine == "waves" or any(
        isinstance(loc, dict) and loc.get("engine") == "waves"
        for loc in r.table(data.get("locales"), "locales").values()
    )
    if publish.hd and uses_waves and waves.sample_rate < 16000:
        r.problem(
            "publish.hd",
            f"needs wideband audio but waves.sample_rate is {waves.sample_rate}; "
            "set it to 16000 or more",
        )
    if publish.connect_instance and not publish.upload:
        r.problem("publish.connect_instance", 'needs publish.upload = "s3://bucket/prefix"')
    if not publish.targets:
        r.problem("publish.targets", f"needs at least one of {', '.join(TARGETS)}")

    locales = _locales(r, r.table(data.get("locales"), "locales"), synth, root)
    for language, code in publish.asterisk_plain.items():
        speaking = [c for c, loc in locales.items() if loc.language == language]
        if code not in speaking or len(speaking) < 2:
            need = f"one of {', '.join(speaking)}" if len(speaking) > 1 else "removed"
            r.problem(
                f"publish.asterisk_plain.{language}",
                f"names the locale published as asterisk/{language}/ when several locales speak "
                f"{language!r}; must be {need}, got {code!r}",
            )
    prompts = _prompts(r, data.get("prompts"), locales, raw_text)
    for prompt in prompts:
        low = prompt.min_seconds if prompt.min_seconds is not None else limits.min_seconds
        high = prompt.max_seconds if prompt.max_seconds is not None else limits.max_seconds
        if low >= high:
            r.problem(
                f"prompts[{prompt.index}] (id {prompt.id!r})",
                f"min_seconds ({low:g}) must be below max_seconds ({high:g})",
            )

    if r.problems:
        raise ConfigError(r.problems)
    return Config(
        path=file,
        project=project,
        synth=synth,
        waves=waves,
        audio=audio,
        limits=limits,
        publish=publish,
        locales=locales,
        prompts=prompts,
    )


def _one_of_numbers(allowed: tuple[int, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(map(str, allowed))}"

    return check


def _voice_path(name: str | None, root: Path) -> str | None:
    """A Piper voice given as an .onnx path is relative to the folder holding prompts.toml."""
    if name is None or not name.endswith(".onnx"):
        return name
    return str(root / name)


def _language(value: Any) -> str | None:
    return None if _LOCALE.match(value) else "must be a language code like 'en' or 'es'"


def _url(value: Any) -> str | None:
    ok = value.startswith(("http://", "https://"))
    return None if ok else "must start with http:// or https://"


def _s3_url(value: Any) -> str | None:
    ok = re.fullmatch(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?", value)
    return None if ok else "must look like s3://bucket/prefix"


def _safe_segment(value: Any) -> str | None:
    return None if _ID_SEGMENT.match(value) else "may use only letters, digits, '_', '-' and '.'"


_LOCALE_KEYS = (
    "language",
    "voice",
    "engine",
    "vars",
    "pronunciations",
    "piper_voice",
    "espeak_voice",
)


def _locales(
    r: _Reader, table: dict[str, Any], synth: SynthSettings, root: Path
) -> dict[str, LocaleConfig]:
    if not table:
        r.problem("locales", 'define at least one locale, e.g. [locales.en-US] language = "en"')
    out: dict[str, LocaleConfig] = {}
    for code, raw in table.items():
        key = f"locales.{code}"
        if not _LOCALE.match(code):
            r.problem(key, "locale codes look like 'en-US' or 'es'")
            continue
        loc = r.table(raw, key)
        r.known(loc, key, _LOCALE_KEYS)
        pron = r.get(loc, key, "pronunciations", str, "")
        vars_ = r.get(loc, key, "vars", dict, {})
        out[code] = LocaleConfig(
            code=code,
            language=r.get(loc, key, "language", str, code.split("-")[0].lower(), _language),
            voice=r.get(loc, key, "voice", str, synth.voice),
            engine=r.choice(loc, key, "engine", ENGINE_NAMES, synth.engine),  # type: ignore[arg-type]
            vars=vars_,
            pronunciations=(root / pron) if pron else None,
            piper_voice=_voice_path(r.get(loc, key, "piper_voice", str, synth.piper_voice), root),
            espeak_voice=r.get(loc, key, "espeak_voice", str, synth.espeak_voice),
        )
        if pron and not (root / pron).is_file():
            r.problem(f"{key}.pronunciations", f"file not found: {pron}")
    return out


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
)


def _prompts(
    r: _Reader, raw: Any, locales: Mapping[str, LocaleConfig], raw_text: str
) -> tuple[PromptConfig, ...]:
    if raw is None:
        r.problem(
            "prompts", "define at least one [[prompts]] entry with an id and a template or text"
        )
        return ()
    if not isinstance(raw, list):
        r.problem("prompts", "must be an array of tables: write [[prompts]]")
        return ()
    out: list[PromptConfig] = []
    for i, item in enumerate(raw):
        key = f"prompts[{i}]"
        if not isinstance(item, dict):
            r.problem(key, f"expected a table, got {_show(item)}")
            continue
        pid = r.get(item, key, "id", str, "")
        if not pid:
            r.problem(f"{key}.id", "missing; every prompt needs an id like 'main/welcome'")
            continue
        key = f"prompts[{i}] (id {pid!r})"
        r.known(item, key, _PROMPT_KEYS)
        # Matrix ids are checked after expansion, when they are real names.
        if "{{" not in pid and (why := check_prompt_id(pid)) is not None:
            r.problem(f"{key}.id", f"{why}, got {pid!r}")
        template = r.get(item, key, "template", str, None)
        text = r.get(item, key, "text", str, None)
        if (template is None) == (text is None):
            r.problem(key, "needs exactly one of 'template' (a file in templates/) or 'text'")
        matrix = _matrix(r, item, key)
        if "{{" in pid and not matrix:
            r.problem(f"{key}.id", "uses {{ }} but the prompt has no matrix to expand it")
        only = r.get(item, key, "locales", list, None)
        if only is not None:
            if not only:
                r.problem(f"{key}.locales", "is empty; list locale codes or remove the key")
            for code in only:
                if not isinstance(code, str):
                    r.problem(f"{key}.locales", f"expected locale codes, got {_show(code)}")
                elif code not in locales:
                    r.problem(f"{key}.locales", f"unknown locale {code!r}; define [locales.{code}]")
        out.append(
            PromptConfig(
                id=pid,
                template=template,
                text=text,
                matrix=matrix,
                vars=r.get(item, key, "vars", dict, {}),
                locales=tuple(only) if only is not None else None,
                voice=r.get(item, key, "voice", str, None),
                speed=_opt_float(r.get(item, key, "speed", (int, float), None, _between(0.5, 2))),
                engine=r.choice(item, key, "engine", ENGINE_NAMES, None),  # type: ignore[arg-type]
                min_seconds=_opt_float(
                    r.get(item, key, "min_seconds", (int, float), None, _positive)
                ),
                max_seconds=_opt_float(
                    r.get(item, key, "max_seconds", (int, float), None, _positive)
                ),
                line=_line_of(raw_text, pid),
                index=i,
            )
        )
    return tuple(out)


def _matrix(r: _Reader, item: Mapping[str, Any], key: str) -> dict[str, tuple[Any, ...]]:
    matrix = r.get(item, key, "matrix", dict, {})
    out: dict[str, tuple[Any, ...]] = {}
    for name, values in matrix.items():
        where = f"{key}.matrix.{name}"
        if not _REQUEST_ID.match(name):
            r.problem(where, "matrix names must be identifiers like 'n'")
        elif not isinstance(values, list) or not values:
            r.problem(where, f"expected a non-empty list of values, got {_show(values)}")
        else:
            out[name] = tuple(values)
    return out


def _opt_float(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def _line_of(raw_text: str, prompt_id: str) -> int:
    """1-based line of `id = "<prompt_id>"` in the file, for annotations; 0 when not found."""
    for number, line in enumerate(raw_text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("id") and (f'"{prompt_id}"' in line or f"'{prompt_id}'" in line):
            return number
    return 0
