from __future__ import annotations

import pytest

from ivr_prompts import config
from ivr_prompts.errors import ConfigError
from ivr_prompts.text import render

from .conftest import BASE_TOML, Project


def test_render_all_locale_template_preferred_and_matrix_expanded(make_project: Project) -> None:
    rendered = render.render_all(config.load(make_project()))
    assert [(r.id, r.locale, r.text, r.source) for r in rendered] == [
        ("main/welcome", "en-US", "Welcome to Acme Bank.", "templates/welcome.j2"),
        ("main/welcome", "es-US", "Bienvenido a Banco Acme.", "templates/es-US/welcome.j2"),
        ("main/hours", "en-US", "nine to five", "prompts.toml"),
        ("main/hours", "es-US", "de nueve a cinco", "prompts.toml"),
        ("digits/1", "en-US", "1", "prompts.toml"),
        ("digits/1", "es-US", "1", "prompts.toml"),
        ("digits/2", "en-US", "2", "prompts.toml"),
        ("digits/2", "es-US", "2", "prompts.toml"),
    ]


def test_render_whitespace_normalised(make_project: Project) -> None:
    files = {"templates/welcome.j2": "  Welcome\n\n   to\t{{ company }}.  \n"}
    rendered = render.render_all(config.load(make_project(files=files)))
    assert rendered[0].text == "Welcome to Acme Bank."


def test_render_undefined_variable_names_prompt_locale_file_and_line(make_project: Project) -> None:
    files = {"templates/welcome.j2": "Welcome\nto {{ company }}\nat {{ branch }}.\n"}
    with pytest.raises(ConfigError) as info:
        render.render_all(config.load(make_project(files=files)))
    assert info.value.problems == [
        "prompt 'main/welcome' [en-US]: templates/welcome.j2:3: 'branch' is undefined; "
        "define it in [locales.en-US].vars, the prompt's vars or its matrix"
    ]


def test_render_syntax_error_names_file_and_line(make_project: Project) -> None:
    files = {"templates/es-US/welcome.j2": "Hola\n{% if %}\n"}
    with pytest.raises(ConfigError) as info:
        render.render_all(config.load(make_project(files=files)))
    assert info.value.problems == [
        "prompt 'main/welcome' [es-US]: templates/es-US/welcome.j2:2: Expected an expression, "
        "got 'end of statement block'"
    ]


def test_render_missing_template_says_where_to_create_it(make_project: Project) -> None:
    toml = BASE_TOML.replace('template = "welcome.j2"', 'template = "nope.j2"')
    with pytest.raises(ConfigError) as info:
        render.render_all(config.load(make_project(toml)))
    assert info.value.problems[0] == (
        "prompt 'main/welcome' [en-US]: template 'nope.j2' not found; create "
        "templates/nope.j2 or templates/en-US/nope.j2"
    )


def test_render_sandbox_blocks_attribute_escape(make_project: Project) -> None:
    files = {"templates/welcome.j2": "{{ company.__class__.__mro__ }}"}
    with pytest.raises(ConfigError) as info:
        render.render_all(config.load(make_project(files=files)))
    assert "__class__" in info.value.problems[0]


def test_render_matrix_id_expanding_to_unsafe_name_rejected(make_project: Project) -> None:
    toml = BASE_TOML.replace("matrix = { n = [1, 2] }", 'matrix = { n = ["..", 2] }')
    with pytest.raises(ConfigError) as info:
        render.render_all(config.load(make_project(toml)))
    assert info.value.problems == [
        "prompt 'digits/..' [en-US]: id expands to an unsafe name: must not contain empty, "
        "'.' or '..' segments",
        "prompt 'digits/..' [es-US]: id expands to an unsafe name: must not contain empty, "
        "'.' or '..' segments",
    ]


def test_render_duplicate_ids_reported(make_project: Project) -> None:
    toml = BASE_TOML.replace('id = "main/hours"', 'id = "main/welcome"')
    with pytest.raises(ConfigError) as info:
        render.render_all(config.load(make_project(toml)))
    assert info.value.problems == [
        "prompts.toml: prompts[1]: duplicate id 'main/welcome' [en-US] (first defined by "
        "prompts[0]); ids must be unique",
        "prompts.toml: prompts[1]: duplicate id 'main/welcome' [es-US] (first defined by "
        "prompts[0]); ids must be unique",
    ]


def test_render_empty_text_rejected(make_project: Project) -> None:
    files = {"templates/welcome.j2": "{# nothing #}\n"}
    with pytest.raises(ConfigError) as info:
        render.render_all(config.load(make_project(files=files)))
    assert info.value.problems == [
        "prompt 'main/welcome' [en-US]: templates/welcome.j2: renders to empty text; "
        "give it words to speak"
    ]


def test_render_expression_error_is_a_config_error_with_line(make_project: Project) -> None:
    files = {"templates/welcome.j2": "Hi.\n{{ company + 1 }}\n"}
    with pytest.raises(ConfigError) as info:
        render.render_all(config.load(make_project(files=files)))
    assert info.value.problems[0] == (
        "prompt 'main/welcome' [en-US]: templates/welcome.j2:2: TypeError: can only concatenate "
        'str (not "int") to str; fix the expression'
    )


def test_render_inline_expression_error_names_toml_line(make_project: Project) -> None:
    toml = BASE_TOML.replace('text = "{{ hours }}"', 'text = "{{ 1 / 0 }}"')
    with pytest.raises(ConfigError) as info:
        render.render_all(config.load(make_project(toml)))
    line = toml.splitlines().index('id = "main/hours"') + 1
    assert info.value.problems[0] == (
        f"prompt 'main/hours' [en-US]: prompts.toml:{line}: text: ZeroDivisionError: "
        "division by zero; fix the expression"
    )


def test_render_non_utf8_template_named(make_project: Project) -> None:
    path = make_project()
    (path.parent / "templates/welcome.j2").write_bytes("Señor".encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        render.render_all(config.load(path))
    assert info.value.problems[0] == (
        "prompt 'main/welcome' [en-US]: templates/welcome.j2: not UTF-8 (invalid byte at "
        "offset 2); save it as UTF-8"
    )
