"""The Waves voice catalog, cached in the project's cache folder with the time it was fetched.

`plan`, `check` and `build` check every Waves locale's voice against it before any synthesis
request: a voice whose catalog entry does not list the locale's language is refused on every
model (the API accepts a language a voice was not trained on and answers with audio in the
voice's own accent, billed). The catalog is fetched again when it is a day old and a key is
available; without a key the cached copy is used, named as stale once it is a week old. The fetch
uses the standard library (plan and check never load httpx) and is tried once, briefly: it is
advice for this check, and a build without it still sends nothing it has not checked when a copy
is cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ... import secrets
from ...atomic import write_atomic
from ...config import Config, WavesSettings
from ...errors import ConfigError
from ..findings import Finding
from .routes import VOICES_PATH, base_url_from
from .voices import Voice, language_name, parse_voice

CATALOG_FILE = "waves-voices.json"  # in the project's local cache folder
REFRESH_AFTER_S = 24 * 3600  # fetched again when a key is available
STALE_AFTER_S = 7 * 24 * 3600  # named as stale when it cannot be fetched again
FETCH_TIMEOUT_S = 10.0
HOW_TO_REFRESH = "set {env} and run `ivr-prompts voices` to fetch it"

# Lightning v3.1's languages (shared/waves-api.md); Pro speaks more, as its voices' entries say.
STANDARD_MODEL = "lightning_v3.1"
STANDARD_LANGUAGES = ("en", "hi", "mr", "kn", "ta", "bn", "gu", "te", "ml", "pa", "or", "es")

Fetch = Callable[[WavesSettings, str, Mapping[str, str]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Catalog:
    """The voices, when they were fetched (epoch seconds), and whether this run fetched them."""

    voices: tuple[Voice, ...]
    fetched_at: float
    fetched_now: bool = False

    def find(self, voice_id: str) -> Voice | None:
        return next((v for v in self.voices if v.voice_id == voice_id), None)

    def speaking(self, language: str) -> list[str]:
        wanted = language_name(language)
        return sorted(v.voice_id for v in self.voices if wanted in v.languages)


def age_text(seconds: float) -> str:
    """'40 s', '12 min', '5 h', '9 days'."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600:.0f} h"
    return f"{seconds // 86400:.0f} days"


def _source(settings: WavesSettings, environ: Mapping[str, str]) -> str:
    """Which server a cached catalog came from (a digest: a URL may carry a pasted secret)."""
    return hashlib.sha256(base_url_from(settings, environ).encode()).hexdigest()[:16]


def load_cached(
    cache_dir: Path, settings: WavesSettings, environ: Mapping[str, str] = os.environ
) -> Catalog | None:
    """The cached catalog of this server, or None (absent, unreadable, or another server's)."""
    try:
        data = json.loads((cache_dir / CATALOG_FILE).read_bytes())
        if data["source"] != _source(settings, environ):
            return None
        voices = tuple(parse_voice(v) for v in data["voices"])
        return Catalog(voices, float(data["fetched_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(
    cache_dir: Path,
    settings: WavesSettings,
    raw: Sequence[Mapping[str, Any]],
    now: float,
    environ: Mapping[str, str] = os.environ,
) -> Catalog:
    """Cache the catalog as Waves returned it; the Catalog it holds."""
    blob = {"source": _source(settings, environ), "fetched_at": now, "voices": list(raw)}
    cache_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(cache_dir / CATALOG_FILE, json.dumps(blob, ensure_ascii=False).encode())
    return Catalog(tuple(parse_voice(v) for v in raw), now, fetched_now=True)


def memo_state(
    config: Config, environ: Mapping[str, str] = os.environ, clock: Callable[[], float] = time.time
) -> str:
    """What of the catalog changes a check's findings: its bytes, whether a key could refresh
    it, and its age as fresh, due for a refresh, or stale."""
    try:
        data = (config.project.cache / CATALOG_FILE).read_bytes()
        fetched_at = float(json.loads(data)["fetched_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return "none" if environ.get(config.waves.api_key_env, "").strip() else "none, no key"
    age = clock() - fetched_at
    due = "stale" if age >= STALE_AFTER_S else "due" if age >= REFRESH_AFTER_S else "fresh"
    key = "key" if environ.get(config.waves.api_key_env, "").strip() else "no key"
    return f"{hashlib.sha256(data).hexdigest()} {due} {key}"


def fetch_voices(
    settings: WavesSettings, key: str, environ: Mapping[str, str] = os.environ
) -> list[dict[str, Any]]:
    """GET the catalog once (standard library); OSError or ValueError with a one-line reason."""
    import urllib.error
    import urllib.request

    url = base_url_from(settings, environ) + VOICES_PATH
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {key}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as answer:
            data = json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raise OSError(f"HTTP {exc.code} from {secrets.redact(url)}") from exc
    except urllib.error.URLError as exc:
        raise OSError(f"{secrets.redact(url)}: {exc.reason}") from exc
    voices = data.get("voices") if isinstance(data, dict) else data
    if not isinstance(voices, list):
        raise ValueError("the answer holds no list of voices")
    return [v for v in voices if isinstance(v, dict) and isinstance(v.get("voiceId"), str)]


def obtain(
    config: Config,
    wanted: Sequence[str] = (),
    *,
    environ: Mapping[str, str] = os.environ,
    clock: Callable[[], float] = time.time,
    fetch: Fetch = fetch_voices,
) -> tuple[Catalog | None, list[Finding]]:
    """The catalog to check against, and what to say about its age or its absence.

    Fetched (and cached) when a key is available and the cached copy is missing, a day old, or
    lacks one of the `wanted` voice ids; else the cached copy.
    """
    settings = config.waves
    cached = load_cached(config.project.cache, settings, environ)
    now = clock()
    key = environ.get(settings.api_key_env, "").strip()
    missing = cached is not None and any(cached.find(v) is None for v in wanted)
    if key and (cached is None or now - cached.fetched_at >= REFRESH_AFTER_S or missing):
        _refuse_holders(config, key)
        try:
            raw = fetch(settings, key, environ)
            return save(config.project.cache, settings, raw, now, environ), []
        except (OSError, ValueError) as exc:
            reason = secrets.redact(str(exc))
            if cached is None:
                return None, [
                    Finding(
                        "warning",
                        f"could not fetch the Waves voice catalog ({reason}); voices are not "
                        "checked against their locales' languages",
                    )
                ]
            age = age_text(now - cached.fetched_at)
            return cached, [
                Finding(
                    "warning",
                    f"could not refresh the Waves voice catalog ({reason}); voices were "
                    f"checked against the copy cached {age} ago",
                )
            ]
    how = HOW_TO_REFRESH.format(env=settings.api_key_env)
    if cached is None:
        return None, [
            Finding(
                "warning",
                f"no Waves voice catalog is cached and {settings.api_key_env} is not set: "
                f"voices are not checked against their locales' languages; {how}",
            )
        ]
    if now - cached.fetched_at >= STALE_AFTER_S:
        age = age_text(now - cached.fetched_at)
        return cached, [
            Finding(
                "warning",
                f"the cached Waves voice catalog is {age} old (stale); voices were checked "
                f"against it; {how}",
            )
        ]
    return cached, []


def _refuse_holders(config: Config, key: str) -> None:
    """A project holding the key is refused before any request (as the build's own guard)."""
    from ...text.lexicon import load
    from .guard import secret_problems

    secrets.remember(key)
    lexicons = {code: load(code, loc.pronunciations) for code, loc in config.locales.items()}
    problems = secret_problems(config, lexicons)
    if problems:
        raise ConfigError(problems)


def voice_findings(config: Config, catalog: Catalog, codes: Sequence[str]) -> list[Finding]:
    """For each Waves locale: an error when its voice is not in the catalog or its catalog
    entry does not list the locale's language; a warning when the entry lists no language."""
    found: list[Finding] = []
    for code in codes:
        locale = config.locales[code]
        if locale.voice.startswith("voice_"):  # a clone: not in the catalog
            continue
        voice = catalog.find(locale.voice)
        wanted = language_name(locale.language)
        others = catalog.speaking(locale.language)
        choose = _choose(locale.language, others)
        if voice is None:
            found.append(
                Finding(
                    "error",
                    f"locale {code}: Waves voice {locale.voice!r} is not in the voice catalog; "
                    f"{choose}",
                    code,
                )
            )
        elif not voice.languages:
            found.append(
                Finding(
                    "warning",
                    f"locale {code}: Waves voice {locale.voice!r} lists no language in the "
                    f"voice catalog, so it was not checked against {wanted}; {choose}",
                    code,
                )
            )
        elif wanted not in voice.languages:
            found.append(
                Finding(
                    "error",
                    f"locale {code}: Waves voice {locale.voice!r} does not speak {wanted} (its "
                    f"catalog entry lists {', '.join(voice.languages)}); {choose}",
                    code,
                )
            )
    return found


def _choose(language: str, voices: Sequence[str]) -> str:
    """The way out: the voices that speak it, or another engine when none does."""
    if not voices:
        return (
            f"no voice in the Waves catalog speaks {language_name(language)}; "
            'use engine = "espeak" for this locale'
        )
    shown = ", ".join(voices[:8]) + (", ..." if len(voices) > 8 else "")
    return (
        f"set its voice to one that does ({shown}; see `ivr-prompts voices --language {language}`)"
    )


def locale_findings(
    config: Config,
    codes: Sequence[str],
    *,
    environ: Mapping[str, str] = os.environ,
    clock: Callable[[], float] = time.time,
    fetch: Fetch = fetch_voices,
) -> list[Finding]:
    """Everything pre-flight says about the Waves locales `codes`: the model's languages, each
    voice against the catalog, and the catalog's age or absence."""
    if not codes:
        return []
    voices = [config.locales[c].voice for c in codes]
    catalog, found = obtain(config, voices, environ=environ, clock=clock, fetch=fetch)
    model = config.synth.model
    for code in codes:
        language = config.locales[code].language
        if model == STANDARD_MODEL and language not in STANDARD_LANGUAGES:
            message = _model_message(code, language, catalog)
            found.append(Finding("error", message, code, "language"))
    if catalog is not None:
        found.extend(voice_findings(config, catalog, codes))
    return found


def _model_message(code: str, language: str, catalog: Catalog | None) -> str:
    head = (
        f"locale {code}: Waves {STANDARD_MODEL} does not speak language {language!r}; it "
        f"speaks {', '.join(STANDARD_LANGUAGES)}"
    )
    if catalog is not None and not catalog.speaking(language):
        return f"{head}; {_choose(language, [])}"
    return (
        f'{head}; set synth.model = "{STANDARD_MODEL}_pro" and a voice that speaks '
        f"{language_name(language)} (`ivr-prompts voices --language {language}`), or use "
        'engine = "espeak"'
    )
