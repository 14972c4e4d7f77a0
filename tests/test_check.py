from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from ivr_prompts import config
from ivr_prompts.flow.check import run_check

from .conftest import BASE_TOML, Project
from .conftest import run_cli as cli
from .engines import CountingEngine, build_with


def build(path: Path) -> None:
    build_with(config.load(path), CountingEngine())


def flagged(path: Path) -> dict[str, str]:
    return {i.subject: i.code for i in run_check(path).issues if i.severity == "error"}


def test_check_clean_after_build(make_project: Project) -> None:
    path = make_project()
    build(path)
    result = run_check(path)
    assert result.issues == []
    assert len(result.subjects) == 8


def test_check_flags_exactly_the_changed_prompts(make_project: Project) -> None:
    path = make_project(files={"pron/en-US.toml": '"Acme" = "Ack-mee"\n"five" = "fyve"\n'})
    build(path)
    toml = path.read_text()
    toml = toml.replace('hours = "de nueve a cinco"', 'hours = "de diez a seis"')
    toml = toml.replace('language = "es"', 'language = "es"\nespeak_voice = "es"')
    toml = toml.replace("matrix = { n = [1, 2] }", "matrix = { n = [1] }")
    path.write_text(toml)
    (path.parent / "pron/en-US.toml").write_text('"Acme" = "Ack-mee"\n"five" = "fife"\n')
    (path.parent / "dist/asterisk/en/digits/1.alaw").write_bytes(b"\xd5" * 800)
    assert flagged(path) == {
        "main/hours [en-US]": "stale",  # dictionary word it uses changed
        "main/hours [es-US]": "stale",  # variable and voice changed
        "main/welcome [es-US]": "stale",  # voice changed
        "digits/1 [es-US]": "stale",  # voice changed
        "digits/1 [en-US]": "modified",  # published file edited by hand
        "digits/2 [en-US]": "orphan",
        "digits/2 [es-US]": "orphan",
    }
    reasons = {i.subject: i.text() for i in run_check(path).issues}
    assert reasons["main/hours [en-US]"] == (
        "pronunciation dictionary changed; run ivr-prompts build"
    )
    assert reasons["main/hours [es-US]"] == (
        "text changed: de [-nueve-]{+diez+} a [-cinco-]{+seis+}; "
        "voice changed ('es-419' -> 'es'); run ivr-prompts build"
    )


def test_check_missing_before_first_build(make_project: Project) -> None:
    path = make_project()
    codes = {i.code for i in run_check(path).issues}
    assert codes == {"missing"}


def test_check_lints_unused_words_and_missing_translations(make_project: Project) -> None:
    toml = BASE_TOML.replace(
        '[[prompts]]\nid = "main/hours"',
        '[[prompts]]\nid = "main/bye"\ntemplate = "bye.j2"\n\n[[prompts]]\nid = "main/hours"',
    )
    path = make_project(
        toml,
        files={"templates/bye.j2": "Goodbye.", "pron/en-US.toml": '"Acme" = "A"\n"Zorg" = "Z"\n'},
    )
    build(path)
    warnings = [i for i in run_check(path).issues if i.severity == "warning"]
    assert [(i.file, i.line, i.code, i.message) for i in warnings] == [
        (
            "templates/bye.j2",
            0,
            "missing-template",
            "templates/es-US/bye.j2 is missing, so es-US speaks the shared template; "
            "add the translation",
        ),
        (
            "pron/en-US.toml",
            2,
            "unused-word",
            "'Zorg' occurs in no en-US prompt; remove it or check its spelling "
            "(matching is case-sensitive, whole words)",
        ),
    ]


def test_check_cli_github_annotations_point_at_template_and_line(make_project: Project) -> None:
    path = make_project(files={"templates/welcome.j2": "Hi\n{{ missing_var }}\n"})
    result = cli("check", "--config", str(path), "--format", "github")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "::error file=templates/welcome.j2,line=2,title=template::prompt 'main/welcome' "
        "[en-US]: templates/welcome.j2:2: 'missing_var' is undefined; define it in "
        "[locales.en-US].vars, the prompt's vars or its matrix"
    )


def test_check_cli_junit_one_case_per_pair(make_project: Project, tmp_path: Path) -> None:
    path = make_project()
    build(path)
    toml = path.read_text().replace('hours = "nine to five"', 'hours = "ten to six"')
    path.write_text(toml)
    result = cli("check", "--config", str(path), "--format", "junit")
    assert result.returncode == 1
    suite = ET.fromstring(result.stdout)
    assert (suite.get("tests"), suite.get("failures")) == ("8", "1")
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == ["main/hours [en-US]"]


def test_check_cli_no_config_exit_2(tmp_path: Path) -> None:
    result = cli("check", "--config", str(tmp_path / "none.toml"))
    assert result.returncode == 2


def test_plan_cli_detailed_exitcode_and_billing(make_project: Project) -> None:
    path = make_project()
    result = cli("plan", "--config", str(path), "--detailed-exitcode", "--format", "json")
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert {p["action"] for p in data["pairs"]} == {"synthesize"}
    assert data["billed_characters"] == 0  # espeak: nothing billed
    build(path)
    result = cli("plan", "--config", str(path), "--detailed-exitcode")
    assert result.returncode == 0
    assert result.stdout.strip() == (
        "plan: 0 to synthesize (0 characters billed by Waves), 0 from cache, 8 unchanged, "
        "0 to remove"
    )
    path.write_text(path.read_text().replace("matrix = { n = [1, 2] }", "matrix = { n = [1] }"))
    result = cli("plan", "--config", str(path), "--detailed-exitcode")
    assert result.returncode == 2
    assert "  remove     digits/2 [en-US]: will be removed from the published set" in result.stdout


def test_plan_cli_detailed_exitcode_error_is_1(tmp_path: Path) -> None:
    result = cli("plan", "--config", str(tmp_path / "none.toml"), "--detailed-exitcode")
    assert result.returncode == 1


def test_check_cli_github_changed_variable_points_at_its_line(make_project: Project) -> None:
    path = make_project(files={"templates/welcome.j2": "Hello.\nWelcome to {{ company }}.\n"})
    build(path)
    toml = path.read_text().replace('company = "Acme Bank"', 'company = "Acme Credit"')
    path.write_text(toml)
    result = cli("check", "--config", str(path), "--format", "github")
    assert result.returncode == 1
    line = toml.splitlines().index('vars = { company = "Acme Credit", hours = "nine to five" }') + 1
    assert result.stdout.splitlines() == [
        f"::error file=prompts.toml,line={line},title=stale::main/welcome [en-US]: text changed: "
        "Hello. Welcome to Acme [-Bank-]{+Credit+}. (company is used at templates/welcome.j2:2); "
        "run ivr-prompts build"
    ]


def test_check_cli_json_problem_fields(make_project: Project) -> None:
    path = make_project(files={"pron/en-US.toml": '"Acme" = "Ack-mee"\n"PIN" = 3\n'})
    result = cli("check", "--config", str(path), "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout) == [
        {
            "message": "en-US.toml: 'PIN': expected a respelling string like \"ack-mee\", got 3",
            "file": "pron/en-US.toml",
            "line": 2,
            "key": "PIN",
            "prompt": "",
            "locale": "",
            "severity": "error",
            "fix": "",
            "code": "dictionary",
            "subject": "pron/en-US.toml",
        }
    ]
