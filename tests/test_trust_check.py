"""`check` says what changed and where: a word diff of a stale text, annotations on the edited
template line or the changed variable's line."""

from __future__ import annotations

from pathlib import Path

from ivr_prompts import config
from ivr_prompts.text.edits import changed_words
from ivr_prompts.text.textdiff import word_diff_line

from .conftest import Project
from .conftest import run_cli as cli
from .engines import CountingEngine, build_with

LONG = (
    "Thank you for calling Acme Bank. Your call is important to us. Please listen carefully "
    "as our menu options have changed. For balances press one. For cards press two."
)


def build(path: Path) -> None:
    build_with(config.load(path), CountingEngine())


def test_word_diff_line_replaced_word_marked_in_git_notation() -> None:
    assert word_diff_line("open nine to five", "open ten to five") == (
        "open [-nine-]{+ten+} to five"
    )


def test_word_diff_line_long_text_keeps_four_words_around_the_change() -> None:
    changed = LONG.replace("listen carefully", "listen very carefully")
    assert (
        word_diff_line(LONG, changed) == "... us. Please listen {+very+} carefully as our menu ..."
    )


def test_changed_words_deletion_gives_the_words_around_it() -> None:
    assert changed_words("press one now", "press now") == ["press", "now"]


def test_check_cli_github_template_edit_points_at_the_edited_line(make_project: Project) -> None:
    template = "Welcome to {{ company }}.\nOur hours\nhave changed.\nPlease listen.\n"
    path = make_project(files={"templates/welcome.j2": template})
    build(path)
    (path.parent / "templates/welcome.j2").write_text(template.replace("Please", "Kindly"))

    result = cli("check", "--config", str(path), "--format", "github")

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "::error file=templates/welcome.j2,line=4,title=stale::main/welcome [en-US]: text "
        "changed: ... hours have changed. [-Please-]{+Kindly+} listen.; run ivr-prompts build"
    ]


def test_check_cli_github_template_without_variables_edit_points_at_its_line(
    make_project: Project,
) -> None:
    template = "Hello.\nPlease hold.\nGoodbye.\n"
    path = make_project(files={"templates/welcome.j2": template})
    build(path)
    (path.parent / "templates/welcome.j2").write_text(template.replace("Goodbye", "Bye now"))

    result = cli("check", "--config", str(path), "--format", "github")

    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert errors == [
        "::error file=templates/welcome.j2,line=3,title=stale::main/welcome [en-US]: text "
        "changed: Hello. Please hold. [-Goodbye-]{+Bye now+}.; run ivr-prompts build"
    ]


def test_check_cli_github_variable_edit_points_at_the_variable(make_project: Project) -> None:
    template = "Hello.\nWelcome to {{ company }}.\n"
    path = make_project(files={"templates/welcome.j2": template})
    build(path)
    toml = path.read_text().replace('company = "Acme Bank"', 'company = "Acme Credit"')
    path.write_text(toml)

    result = cli("check", "--config", str(path), "--format", "github")

    line = toml.splitlines().index('vars = { company = "Acme Credit", hours = "nine to five" }') + 1
    assert result.stdout.splitlines() == [
        f"::error file=prompts.toml,line={line},title=stale::main/welcome [en-US]: text changed: "
        "Hello. Welcome to Acme [-Bank-]{+Credit+}. (company is used at templates/welcome.j2:2); "
        "run ivr-prompts build"
    ]
