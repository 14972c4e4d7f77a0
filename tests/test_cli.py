from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ivr_prompts.cli import main

from .conftest import BASE_TOML, Project
from .conftest import run_cli as cli


def test_build_cli_bad_config_one_line_per_problem_exit_2(make_project: Project) -> None:
    toml = BASE_TOML.replace("[synth]\n", '[synth]\nvoise = "x"\n').replace(
        'id = "main/hours"', 'id = "../hours"'
    )
    path = make_project(toml)
    result = cli("build", "--config", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: prompts.toml: synth.voise: unknown key; did you mean 'voice'?",
        "error: prompts.toml: prompts[1] (id '../hours').id: must not contain empty, '.' or "
        "'..' segments, got '../hours'",
    ]
    assert result.stdout == ""
    assert not (path.parent / "dist").exists()


def test_build_cli_bad_template_names_file_and_line_exit_2(make_project: Project) -> None:
    path = make_project(files={"templates/welcome.j2": "Hi\n{{ nope }}\n"})
    result = cli("build", "--config", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: prompt 'main/welcome' [en-US]: templates/welcome.j2:2: 'nope' is undefined; "
        "define it in [locales.en-US].vars, the prompt's vars or its matrix"
    ]
    assert "Traceback" not in result.stderr
    assert not (path.parent / "dist").exists()


def test_build_cli_json_report_then_up_to_date(make_project: Project) -> None:
    path = make_project()
    first = cli("build", "--config", str(path), "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["pairs"], report["published"], report["failures"]) == (8, True, [])
    second = cli("build", "--config", str(path))
    assert second.returncode == 0
    assert f"up to date: {path.parent / 'dist'} already holds this set" in second.stdout


def test_render_cli_shows_text_before_and_after_dictionary(make_project: Project) -> None:
    path = make_project()
    result = CliRunner().invoke(main, ["render", "--config", str(path), "--only", "main/welcome"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "main/welcome [en-US] (templates/welcome.j2)",
        "  text:   Welcome to Acme Bank.",
        "  spoken: Welcome to Ack-mee Bank.",
        "main/welcome [es-US] (templates/es-US/welcome.j2)",
        "  text:   Bienvenido a Banco Acme.",
    ]


def test_cli_unknown_locale_option_exit_2(make_project: Project) -> None:
    path = make_project()
    result = cli("build", "--config", str(path), "--locale", "fr-FR")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: --locale fr-FR: not a locale of prompts.toml (have: en-US, es-US)"
    ]


def test_cli_missing_config_exit_2(tmp_path: Path) -> None:
    result = cli("render", "--config", str(tmp_path / "x.toml"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'x.toml'}: not found; run in the folder holding prompts.toml "
        "or pass --config PATH"
    )


def test_build_cli_only_matching_nothing_exit_2_nothing_published(make_project: Project) -> None:
    path = make_project()
    result = cli("build", "--config", str(path), "--only", "nothing*")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: --only nothing*: selects no prompt; ids look like 'main/welcome'"
    ]
    assert not (path.parent / "dist").exists()


def test_render_cli_locale_or_only_selecting_nothing_exit_2(make_project: Project) -> None:
    path = make_project()
    result = cli("render", "--config", str(path), "--only", "zzz")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "error: --only zzz: selects no prompt; ids look like 'main/welcome'"
    )


def test_build_cli_json_reports_failures(make_project: Project) -> None:
    toml = BASE_TOML.replace('text = "{{ hours }}"', 'text = "{{ hours }}"\nmax_seconds = 0.3')
    path = make_project(toml)
    result = cli("build", "--config", str(path), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["published"] is False
    assert [f.split(": ")[1] for f in report["failures"]] == ["duration", "duration"]
