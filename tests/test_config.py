from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ivr_prompts import config
from ivr_prompts.config import settings, tomlpos
from ivr_prompts.errors import ConfigError

from .conftest import BASE_TOML, Project


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config.load(path)
    return info.value.problems


def test_load_sample_defaults_resolve_relative_to_file(make_project: Project) -> None:
    cfg = config.load(make_project())
    assert cfg.project.output == cfg.root / "dist"
    assert cfg.project.cache == cfg.root / "cache"
    assert list(cfg.locales) == ["en-US", "es-US"]
    assert cfg.locales["en-US"].pronunciations == cfg.root / "pron/en-US.toml"
    assert cfg.locales["es-US"].country == "us"
    assert cfg.prompts[2].matrix == {"n": (1, 2)}
    assert cfg.audio.codecs == ("ulaw", "alaw")
    assert cfg.prompts[0].line == BASE_TOML.splitlines().index('id = "main/welcome"') + 1


def test_load_unknown_keys_suggest_the_right_name(make_project: Project) -> None:
    toml = BASE_TOML.replace("[synth]\n", '[synth]\nvoise = "x"\n').replace(
        'id = "main/hours"', 'id = "main/hours"\ntemplte = "x.j2"'
    )
    assert problems(make_project(toml)) == [
        "prompts.toml: synth.voise: unknown key; did you mean 'voice'?",
        "prompts.toml: prompts[1] (id 'main/hours').templte: unknown key; did you mean 'template'?",
    ]


def test_load_many_problems_reported_in_one_run(make_project: Project) -> None:
    toml = BASE_TOML.replace('engine = "espeak"', 'engine = "wavs"\nspeed = 3').replace(
        "[limits]", '[audio]\ncodecs = ["ulaw", "g729"]\n\n[limits]'
    )
    assert problems(make_project(toml)) == [
        "prompts.toml: synth.engine: must be one of espeak, local, piper, waves "
        "(did you mean 'waves'?), got 'wavs'",
        "prompts.toml: synth.speed: must be between 0.5 and 2, got 3",
        "prompts.toml: audio.codecs[1]: must be one of ulaw, alaw, got 'g729'",
    ]


@pytest.mark.parametrize(
    ("prompt_id", "why"),
    [
        ("../etc/passwd", "must not contain empty, '.' or '..' segments"),
        ("/abs/path", "must be a relative path like 'main/welcome'"),
        ("main//x", "must not contain empty, '.' or '..' segments"),
        (
            "main/we lcome",
            "may use only letters, digits, '_', '-' and '.' in each '/'-separated part",
        ),
        ("C:\\x", "must be a relative path like 'main/welcome'"),
    ],
)
def test_load_unsafe_prompt_id_rejected(make_project: Project, prompt_id: str, why: str) -> None:
    toml = BASE_TOML.replace('id = "main/hours"', f"id = '{prompt_id}'")
    assert problems(make_project(toml)) == [
        f"prompts.toml: prompts[1] (id {prompt_id!r}).id: {why}, got {prompt_id!r}"
    ]


def test_load_api_key_in_toml_rejected_without_echoing_it(make_project: Project) -> None:
    toml = BASE_TOML + '\n[waves]\napi_key = "sk_live_secret_value"\n'
    found = problems(make_project(toml))
    assert found == [
        "prompts.toml: waves.api_key: keys never go in prompts.toml; set SMALLEST_API_KEY "
        "(or name another variable with waves.api_key_env)"
    ]
    assert "sk_live_secret_value" not in " ".join(found)


def test_load_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    found = problems(tmp_path / "nope.toml")
    assert found == [
        f"{tmp_path / 'nope.toml'}: not found; run in the folder holding prompts.toml "
        "or pass --config PATH"
    ]


def test_load_invalid_toml_names_file_and_line(make_project: Project) -> None:
    found = problems(make_project("[project\nname = 1\n"))
    assert len(found) == 1
    assert found[0].startswith("prompts.toml: invalid TOML: ")
    assert "line 1" in found[0]


def test_load_prompt_needs_template_or_text(make_project: Project) -> None:
    toml = BASE_TOML.replace('text = "{{ hours }}"', 'text = "x"\ntemplate = "y.j2"')
    assert problems(make_project(toml)) == [
        "prompts.toml: prompts[1] (id 'main/hours'): needs exactly one of 'template' "
        "(a file in templates/) or 'text'"
    ]


def test_load_missing_dictionary_file_named(make_project: Project) -> None:
    toml = BASE_TOML.replace("pron/en-US.toml", "pron/missing.toml")
    assert problems(make_project(toml)) == [
        "prompts.toml: locales.en-US.pronunciations: file not found: pron/missing.toml"
    ]


def test_load_prompt_locale_must_exist(make_project: Project) -> None:
    toml = BASE_TOML.replace('text = "{{ hours }}"', 'text = "{{ hours }}"\nlocales = ["fr-FR"]')
    assert problems(make_project(toml)) == [
        "prompts.toml: prompts[1] (id 'main/hours').locales: unknown locale 'fr-FR'; "
        "define [locales.fr-FR]"
    ]


def test_load_matrix_id_without_matrix_rejected(make_project: Project) -> None:
    toml = BASE_TOML.replace("matrix = { n = [1, 2] }", "")
    assert problems(make_project(toml)) == [
        "prompts.toml: prompts[2] (id 'digits/{{ n }}').id: uses {{ }} but the prompt has "
        "no matrix to expand it"
    ]


def test_load_language_must_be_a_code_not_a_path(make_project: Project) -> None:
    toml = BASE_TOML.replace('language = "es"', 'language = "../../evil"')
    assert problems(make_project(toml)) == [
        "prompts.toml: locales.es-US.language: must be a language code like 'en' or 'es', "
        "got '../../evil'"
    ]


def test_load_api_key_and_other_problems_all_kept(make_project: Project) -> None:
    toml = BASE_TOML + '\n[waves]\napi_key = "x"\nsample_rate = 9000\n'
    assert problems(make_project(toml)) == [
        "prompts.toml: waves.api_key: keys never go in prompts.toml; set SMALLEST_API_KEY "
        "(or name another variable with waves.api_key_env)",
        "prompts.toml: waves.sample_rate: must be one of 8000, 16000, 24000, 44100, got 9000",
    ]


def test_load_min_above_max_rejected(make_project: Project) -> None:
    toml = BASE_TOML.replace("max_seconds = 20", "max_seconds = 20\n").replace(
        'text = "{{ hours }}"', 'text = "{{ hours }}"\nmin_seconds = 30'
    )
    assert problems(make_project(toml)) == [
        "prompts.toml: prompts[1] (id 'main/hours'): min_seconds (30) must be below "
        "max_seconds (20)"
    ]


def test_load_prompt_locales_must_be_codes(make_project: Project) -> None:
    toml = BASE_TOML.replace('text = "{{ hours }}"', 'text = "{{ hours }}"\nlocales = [{a = 1}]')
    assert problems(make_project(toml)) == [
        "prompts.toml: prompts[1] (id 'main/hours').locales: expected locale codes, got a table"
    ]


def test_load_piper_voice_path_relative_to_config(make_project: Project) -> None:
    toml = BASE_TOML.replace('engine = "espeak"', 'engine = "espeak"\npiper_voice = "v/x.onnx"')
    cfg = config.load(make_project(toml))
    assert cfg.locales["en-US"].piper_voice == str(cfg.root / "v/x.onnx")


@pytest.mark.parametrize(
    ("section", "cls"),
    [
        ("synth", settings.SynthSettings),
        ("waves", settings.WavesSettings),
        ("audio", settings.AudioSettings),
        ("limits", settings.LimitSettings),
        ("publish", settings.PublishSettings),
    ],
)
def test_settings_dataclass_fields_are_the_declared_keys(section: str, cls: type) -> None:
    declared = {k.name: k.default for k in settings.KEYS if k.section == section}
    fields = {f.name: f.default for f in dataclasses.fields(cls)}
    assert fields == declared


def test_load_problems_carry_key_path_and_line(make_project: Project) -> None:
    toml = BASE_TOML.replace("[synth]\n", "[synth]\nspeed = 9\n")
    with pytest.raises(ConfigError) as info:
        config.load(make_project(toml))
    [found] = info.value.found
    line = toml.splitlines().index("speed = 9") + 1
    assert (found.file, found.line, found.key) == ("prompts.toml", line, "synth.speed")


def test_load_invalid_toml_problem_has_its_line(make_project: Project) -> None:
    with pytest.raises(ConfigError) as info:
        config.load(make_project('[project]\nname = "x"\noutput = \n'))
    [found] = info.value.found
    assert (found.file, found.line, found.code) == ("prompts.toml", 3, "toml")


def test_key_lines_skip_values_and_count_array_tables() -> None:
    text = (
        '[project]\nname = "a"\ndoc = """\nid = "fake"\n"""\n'
        "list = [\n  1,\n  2,\n]\n\n[[prompts]]\nid = 'x'\n"
        '[[prompts]]\n"quoted.key" = 1\nmatrix = { n = [1] }\n[locales.en-US]\nvars.a = 1\n'
    )
    lines = tomlpos.key_lines(text)
    assert lines[("project", "doc")] == 3
    assert lines[("project", "list")] == 6
    assert ("project", "id") not in lines
    assert lines[("prompts", 0, "id")] == 12
    assert lines[("prompts", 1)] == 13
    assert lines[("prompts", 1, "quoted.key")] == 14
    assert tomlpos.line_of(lines, ("prompts", 1, "matrix", "n")) == 15
    assert lines[("locales", "en-US", "vars", "a")] == 17


def test_settings_each_key_declared_once() -> None:
    pairs = [(k.section, k.name) for k in settings.KEYS]
    assert sorted(p for p in set(pairs) if pairs.count(p) > 1) == []
