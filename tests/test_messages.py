from __future__ import annotations

import os

import pytest

from ivr_prompts import config

from .conftest import BASE_TOML, Project
from .conftest import run_cli as cli
from .engines import CountingEngine, build_with


def test_plan_matrix_id_without_its_name_one_line_explains(make_project: Project) -> None:
    toml = BASE_TOML.replace('id = "digits/{{ n }}"', 'id = "digits/n"')
    result = cli("plan", "--config", str(make_project(toml)))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: prompts.toml: prompts[2] (id 'digits/n').id: has a matrix but uses none of its "
        "names ({{ n }}), so every expansion gets the same id; put them in the id, e.g. "
        "'digits/{{ n }}'"
    ]


def test_plan_template_outside_templates_refused(make_project: Project) -> None:
    toml = BASE_TOML.replace('template = "welcome.j2"', 'template = "../prompts.toml"')
    result = cli("plan", "--config", str(make_project(toml)))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: prompts.toml: prompts[0] (id 'main/welcome').template: must be a file inside "
        "templates/, like 'welcome.j2', got '../prompts.toml'"
    ]


def test_plan_include_outside_names_the_included_path(make_project: Project) -> None:
    files = {"templates/welcome.j2": "Hi {% include '/etc/passwd' %}"}
    result = cli("plan", "--config", str(make_project(files=files)))
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "error: prompt 'main/welcome' [en-US]: templates/welcome.j2 includes '/etc/passwd', "
        "which is not a file inside templates/; include a template from templates/"
    )


def test_plan_template_symlinked_from_outside_refused(make_project: Project) -> None:
    path = make_project()
    secret = path.parent / "secret.txt"
    secret.write_text("outside words")
    target = path.parent / "templates/welcome.j2"
    target.unlink()
    os.symlink(secret, target)
    result = cli("plan", "--config", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "error: prompt 'main/welcome' [en-US]: templates/welcome.j2 resolves outside "
        "templates/ (a symlink?); copy the file into templates/"
    )
    assert "outside words" not in result.stdout + result.stderr


def test_plan_id_too_long_refused(make_project: Project) -> None:
    long_id = "main/" + "x" * 120
    toml = BASE_TOML.replace('id = "main/hours"', f'id = "{long_id}"')
    result = cli("plan", "--config", str(make_project(toml)))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: prompts.toml: prompts[1] (id {long_id!r}).id: has a part of 120 characters; "
        f"each part may have at most 100, got {long_id!r}"
    ]


def test_check_stray_file_in_published_set_reported(make_project: Project) -> None:
    path = make_project()
    build_with(config.load(path), CountingEngine())
    (path.parent / "dist/asterisk/en/main/extra.ulaw").write_bytes(b"\xff" * 80)
    result = cli("check", "--config", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "dist/asterisk/en/main/extra.ulaw: error: stray: not part of the published set; "
        "delete it or run ivr-prompts build",
        "check: 1 error, 0 warnings in 8 prompt(s)",
    ]


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        (
            'id = "main/hours"',
            'id = "main/zz\\n"',
            "prompts.toml: prompts[1] (id 'main/zz\\n').id: may use only letters, digits, '_', "
            "'-' and '.' in each '/'-separated part, got 'main/zz\\n'",
        ),
        (
            'language = "es"',
            'language = "es\\n"',
            "prompts.toml: locales.es-US.language: must be a language code like 'en' or 'es', "
            "got 'es\\n'",
        ),
        (
            'language = "es"\n',
            'language = "es"\nvoice = "lucia\\n"\n',
            "prompts.toml: locales.es-US.voice: must be a voice name: letters, digits, '_', "
            "'-', '.' and '+', at most 128, got 'lucia\\n'",
        ),
        (
            "[limits]",
            '[publish]\nfreeswitch_voice = "ivr\\n"\n\n[limits]',
            "prompts.toml: publish.freeswitch_voice: may use only letters, digits, '_', '-' "
            "and '.', got 'ivr\\n'",
        ),
    ],
)
def test_plan_trailing_newline_in_names_refused(
    make_project: Project, before: str, after: str, message: str
) -> None:
    assert before in BASE_TOML
    result = cli("plan", "--config", str(make_project(BASE_TOML.replace(before, after, 1))))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: {message}"]


def test_plan_matrix_id_missing_one_name_one_line_explains(make_project: Project) -> None:
    toml = BASE_TOML.replace("matrix = { n = [1, 2] }", "matrix = { n = [1, 2], m = [3, 4] }")
    result = cli("plan", "--config", str(make_project(toml)))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: prompts.toml: prompts[2] (id 'digits/{{ n }}'): the id expands to 'digits/1' "
        "for more than one value of its matrix (n, m); use every matrix name in the id so each "
        "expansion gets its own"
    ]


def test_plan_piper_for_hindi_says_no_voice_speaks_it(make_project: Project) -> None:
    toml = BASE_TOML.replace(
        "[[prompts]]",
        '[locales.hi-IN]\nlanguage = "hi"\nengine = "piper"\n'
        'vars = { company = "Acme", hours = "9" }\n\n[[prompts]]',
        1,
    )
    result = cli("plan", "--config", str(make_project(toml)))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: locale hi-IN: no installed Piper voice speaks language 'hi' (installed: "
        'en_US); set piper_voice to an .onnx voice for it, or use engine = "espeak"'
    ]
