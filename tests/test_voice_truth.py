"""Voice and language truth before any money: every Waves voice against its catalog entry on
every model (cached with its age), and offline voices against their locale's language and accent."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr_prompts.engines import local

from .conftest import BASE_TOML, Project, run_cli
from .test_waves_build import FILES, KEY, WAVES_TOML, cli, waves_env
from .waves_server import DEFAULT_VOICES, WavesServer

GRETA = {
    "voiceId": "greta",
    "displayName": "Greta",
    "tags": {"language": ["german", "english"], "accent": "german", "gender": "female"},
}
GERMAN = WAVES_TOML.replace(
    "[[prompts]]",
    '[locales.de-DE]\nlanguage = "de"\nvoice = "magnus"\n'
    'vars = { company = "Acme Bank", hours = "neun bis fünf" }\n\n[[prompts]]',
    1,
)
PRO = GERMAN.replace(
    '[synth]\nengine = "waves"', '[synth]\nengine = "waves"\nmodel = "lightning_v3.1_pro"'
)
MAGNUS_IS_ENGLISH = (
    "error: locale de-DE: Waves voice 'magnus' does not speak german (its catalog entry lists "
    "english); set its voice to one that does (greta; see `ivr-prompts voices --language de`)"
)
CATALOG = "cache/waves-voices.json"
MAGNUS_DE = 'voice = "magnus"\nvars = { company = "Acme Bank", hours = "neun'
GRETA_DE = 'voice = "greta"\nvars = { company = "Acme Bank", hours = "neun'


@pytest.fixture
def server() -> Iterator[WavesServer]:
    with WavesServer(api_key=KEY, concurrency=2, voices=(*DEFAULT_VOICES, GRETA)) as s:
        yield s


def test_plan_pro_model_english_voice_on_german_exit_1_no_request(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(PRO, FILES)
    result = cli(path, "plan", url=server.url)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [MAGNUS_IS_ENGLISH]
    assert [r.path for r in server.records] == ["/waves/v1/lightning-v3.1/get_voices"]
    # Cached now: the next plan asks nothing at all, and build refuses before any synthesis.
    assert cli(path, "plan", url=server.url).stderr.splitlines() == [MAGNUS_IS_ENGLISH]
    build = cli(path, "build", url=server.url)
    check = cli(path, "check", url=server.url)
    assert (build.returncode, check.returncode) == (1, 1)
    assert build.stderr.splitlines() == [MAGNUS_IS_ENGLISH]
    assert MAGNUS_IS_ENGLISH.removeprefix("error: ") in check.stdout
    assert len(server.records) == 1
    assert server.tts_records() == []
    assert not (path.parent / "dist").exists()


def test_plan_standard_model_german_hint_followed_builds(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(GERMAN, FILES)
    result = cli(path, "plan", url=server.url)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: locale de-DE: Waves lightning_v3.1 does not speak language 'de'; it speaks en, "
        'hi, mr, kn, ta, bn, gu, te, ml, pa, or, es; set synth.model = "lightning_v3.1_pro" and '
        "a voice that speaks german (`ivr-prompts voices --language de`), or use engine = "
        '"espeak"',
        MAGNUS_IS_ENGLISH,
    ]
    listed = cli(path, "voices", "--language", "de", "--json", url=server.url)
    voices = [v["voice_id"] for v in json.loads(listed.stdout)]
    assert voices == ["greta"]
    path.write_text(PRO.replace(MAGNUS_DE, GRETA_DE))
    assert cli(path, "plan", url=server.url).returncode == 0
    build = cli(path, "build", "--json", url=server.url)
    assert build.returncode == 0, build.stderr
    sent = {r.body["voice_id"] for r in server.tts_records() if r.body["language"] == "de"}
    assert sent == {"greta"}


def test_plan_language_no_catalog_voice_speaks_points_to_espeak(
    make_project: Project, server: WavesServer
) -> None:
    toml = PRO.replace('language = "de"', 'language = "sw"')
    result = cli(make_project(toml, FILES), "plan", url=server.url)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: locale de-DE: Waves voice 'magnus' does not speak sw (its catalog entry lists "
        'english); no voice in the Waves catalog speaks sw; use engine = "espeak" for this '
        "locale"
    ]


def test_plan_unknown_voice_refused_before_any_synthesis(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML.replace('voice = "lucia"', 'voice = "nobody"'), FILES)
    for command in ("plan", "build"):
        result = cli(path, command, url=server.url)
        assert result.returncode == 1
        assert result.stderr.splitlines() == [
            "error: locale es-US: Waves voice 'nobody' is not in the voice catalog; set its voice "
            "to one that does (lucia; see `ivr-prompts voices --language es`)"
        ]
    assert server.tts_records() == []


def _age(path: Path, days: float) -> None:
    catalog = path.parent / CATALOG
    data = json.loads(catalog.read_text())
    data["fetched_at"] = time.time() - days * 86400
    catalog.write_text(json.dumps(data))


def test_plan_offline_uses_cached_catalog_and_says_when_stale(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(PRO, FILES)
    cli(path, "plan", url=server.url)
    assert json.loads((path.parent / CATALOG).read_text())["fetched_at"] > time.time() - 60
    offline = cli(path, "plan", key="", url=server.url)  # no key: the cached copy, no request
    assert offline.stderr.splitlines() == [MAGNUS_IS_ENGLISH]
    assert len(server.records) == 1
    _age(path, 9.2)
    fixed = PRO.replace(MAGNUS_DE, GRETA_DE)
    path.write_text(fixed)
    stale = cli(path, "plan", key="", url=server.url)
    assert stale.returncode == 0, stale.stderr
    assert stale.stderr.splitlines() == [
        "warning: the cached Waves voice catalog is 9 days old (stale); voices were checked "
        "against it; set SMALLEST_API_KEY and run `ivr-prompts voices` to fetch it"
    ]
    # With a key, a day-old catalog is fetched again: the warning goes.
    assert cli(path, "plan", url=server.url).stderr == ""
    assert json.loads((path.parent / CATALOG).read_text())["fetched_at"] > time.time() - 60


def test_plan_no_catalog_no_key_warns_and_hint_works(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(PRO, FILES)
    result = cli(path, "plan", key="", url=server.url)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "warning: no Waves voice catalog is cached and SMALLEST_API_KEY is not set: voices are "
        "not checked against their locales' languages; set SMALLEST_API_KEY and run "
        "`ivr-prompts voices` to fetch it"
    ]
    assert server.records == []
    assert cli(path, "voices", url=server.url).returncode == 0  # the hint, followed
    offline = cli(path, "plan", key="", url=server.url)
    assert (offline.returncode, offline.stderr.splitlines()) == (1, [MAGNUS_IS_ENGLISH])


def test_plan_catalog_unreachable_with_key_warns(make_project: Project) -> None:
    path = make_project(PRO, FILES)
    result = cli(path, "plan", url="http://127.0.0.1:9")
    assert result.returncode == 0
    (line,) = result.stderr.splitlines()
    assert line.startswith("warning: could not fetch the Waves voice catalog (http://127.0.0.1:9")
    assert line.endswith("); voices are not checked against their locales' languages")
    assert KEY not in result.stderr


# -- offline engines ------------------------------------------------------------------------------

BRITISH = BASE_TOML.replace(
    '[locales.es-US]\nlanguage = "es"\n', '[locales.en-GB]\nlanguage = "en"\n'
).replace('hours = "de nueve a cinco"', 'hours = "nine to five"')


def _plan(path: Path) -> list[str]:
    result = run_cli("plan", "--config", str(path), env=waves_env("", ""))
    assert result.returncode == 0, result.stderr
    return result.stderr.splitlines()


@pytest.mark.parametrize("voice", ["en-gb", "en-gb-x-rp", "en-GB-scotland", "en"])
def test_plan_espeak_voice_as_espeak_lists_it_accepted(make_project: Project, voice: str) -> None:
    toml = BRITISH.replace(
        '[locales.en-GB]\nlanguage = "en"\n',
        f'[locales.en-GB]\nlanguage = "en"\nespeak_voice = "{voice}"\n',
    )
    assert _plan(make_project(toml)) == []


def test_build_espeak_fr_fr_voice_speaks(make_project: Project) -> None:
    toml = BRITISH.replace(
        '[locales.en-GB]\nlanguage = "en"\n',
        '[locales.en-GB]\nlanguage = "en"\nespeak_voice = "en-gb"\n',
    )
    toml = toml.replace(
        'language = "en"\npronunciations', 'language = "fr"\nespeak_voice = "fr-fr"\npronunciations'
    )
    result = run_cli("build", "--config", str(make_project(toml)), env=waves_env("", ""))
    assert result.returncode == 0, result.stderr


def test_plan_espeak_american_voice_on_british_locale_warns_and_hint_works(
    make_project: Project,
) -> None:
    toml = BRITISH.replace(
        '[locales.en-GB]\nlanguage = "en"\n',
        '[locales.en-GB]\nlanguage = "en"\nespeak_voice = "en-us"\n',
    )
    path = make_project(toml)
    assert _plan(path) == [
        "warning: locale en-GB: espeak-ng voice 'en-us' speaks en-us, en, not the en-GB accent; "
        "set espeak_voice = 'en-gb' (espeak-ng has en-gb, en-gb-scotland, en-gb-x-gbclan, "
        "en-gb-x-gbcwmd, en-gb-x-rp)"
    ]
    path.write_text(toml.replace('espeak_voice = "en-us"', 'espeak_voice = "en-gb"'))
    assert _plan(path) == []


def test_plan_espeak_unknown_voice_names_its_voices(make_project: Project) -> None:
    toml = BRITISH.replace(
        '[locales.en-GB]\nlanguage = "en"\n',
        '[locales.en-GB]\nlanguage = "de"\nespeak_voice = "de-xx"\n',
    )
    result = run_cli("plan", "--config", str(make_project(toml)), env=waves_env("", ""))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: locale en-GB: espeak-ng has no voice 'de-xx' (its voices for 'de': de); set "
        "espeak_voice to one of them or another name `espeak-ng --voices` lists, or use "
        "another engine"
    ]


def test_plan_piper_american_voice_on_british_locale_warns(make_project: Project) -> None:
    toml = BRITISH.replace('engine = "espeak"', 'engine = "piper"').replace(
        '[locales.en-US]\nlanguage = "en"\n', '[locales.en-US]\nlanguage = "en"\n'
    )
    (voice,) = local.installed_voices()
    assert _plan(make_project(toml)) == [
        f"warning: locale en-GB: the Piper voice {voice.name} speaks en_US, not en-GB "
        f"(installed: {voice.name} (en_US)); to add a voice, download a en_GB .onnx voice and "
        "its .onnx.json from https://huggingface.co/rhasspy/piper-voices and set piper_voice "
        'to the .onnx path, or use engine = "espeak"'
    ]


def test_check_memo_sees_the_catalog_age(make_project: Project, server: WavesServer) -> None:
    path = make_project(PRO.replace(MAGNUS_DE, GRETA_DE), FILES)
    assert cli(path, "build", url=server.url).returncode == 0
    first = cli(path, "check", key="", url=server.url)
    assert first.returncode == 0
    assert "voice catalog" not in first.stdout
    _age(path, 8)
    aged = cli(path, "check", key="", url=server.url)  # unchanged sources: the memo's case
    assert aged.returncode == 0
    assert "the cached Waves voice catalog is 8 days old (stale)" in aged.stdout
