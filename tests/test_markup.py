"""Inline markup: parsed strictly, refused at its file and line (check, plan, build, GitHub
annotations) before anything is billed; pauses become parts; plain `<` and `&` stay text."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ivr_prompts import config
from ivr_prompts.errors import PreflightFailed
from ivr_prompts.flow import plan, selection
from ivr_prompts.flow.options import BuildOptions
from ivr_prompts.text import render
from ivr_prompts.text.parts import Pause, Speech

from .conftest import BASE_TOML, Project, run_cli
from .test_waves_build import FILES, KEY, WAVES_TOML, cli
from .waves_server import WavesServer


def rendered(make_project: Project, template: str, toml: str = BASE_TOML) -> render.Rendered:
    path = make_project(toml, files={"templates/welcome.j2": template})
    return render.render_all(config.load(path))[0]


def refused(make_project: Project, template: str) -> list[str]:
    path = make_project(files={"templates/welcome.j2": template})
    with pytest.raises(PreflightFailed) as info:
        render.render_all(config.load(path))
    return info.value.problems


def test_markup_breaks_become_pauses_between_speech_parts(make_project: Project) -> None:
    r = rendered(
        make_project,
        'Welcome.<break time="800ms"/>\n<break strength="weak"/> Press\n1.<break time="1.5s"/>',
    )
    assert r.text == "Welcome. Press 1."
    assert r.spoken == "Welcome. Press 1."
    assert r.parts == (Speech("Welcome."), Pause(1050), Speech("Press 1."), Pause(1500))


def test_markup_leading_break_kept_and_no_break_no_parts(make_project: Project) -> None:
    r = rendered(make_project, '<break/>Hello <sub alias="Acme Bank">ACME</sub>.')
    assert (r.text, r.spoken, r.parts) == (
        "Hello ACME.",
        "Hello Acme Bank.",
        (Pause(500), Speech("Hello Acme Bank.")),
    )
    plain = rendered(make_project, "Press < to go back; AT&T &amp; more <3, 1 <2.")
    assert (plain.text, plain.spoken, plain.parts) == (
        "Press < to go back; AT&T & more <3, 1 <2.",
        "Press < to go back; AT&T & more <3, 1 <2.",
        (),
    )


def test_markup_say_as_written_by_hand(make_project: Project) -> None:
    r = rendered(
        make_project,
        'Due <say-as interpret-as="date" format="dmy">03.04.2026</say-as>, '
        '<say-as interpret-as="currency">EUR 12.5</say-as>.',
    )
    assert r.text == "Due April 3, 2026, €12.50."
    assert r.spoken == "Due April third, twenty twenty-six, twelve euro, fifty cents."


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            'Hello.\n\nPress <brake time="1s"/> one.',
            "templates/welcome.j2:3: unknown tag <brake>; the tags are <break/>, <say-as> and "
            "<sub> (write &lt; for a '<' that is text)",
        ),
        (
            'Hello\n<say-as interpret-as="digits">123 one.',
            "templates/welcome.j2:2: <say-as> is not closed; end it with </say-as>",
        ),
        (
            'Hello <break tim="1s"/>',
            "templates/welcome.j2:1: <break tim=\"1s\"/>: unknown attribute 'tim' (it takes "
            "time, strength)",
        ),
        (
            'A\nB\nHello <break time="12s"/>',
            'templates/welcome.j2:3: <break time="12s"/>: a break of 12000 ms is over the 10 s '
            "limit; split the prompt or shorten the pause",
        ),
        (
            'Hi <say-as interpret-as="money">5</say-as>',
            "<say-as interpret-as=\"money\">: interpret-as 'money' is not one of cardinal, "
            "ordinal, digits, characters, date, time, currency, telephone",
        ),
        (
            'Hi\n<say-as interpret-as="cardinal">12a</say-as>',
            "templates/welcome.j2:2: <say-as interpret-as=\"cardinal\">: cannot read '12a' as a "
            "number; give a number like 1250.5 or -3 (digits, an optional minus sign and "
            "decimal point)",
        ),
        ("Hi <break", "templates/welcome.j2:1: <break> is not closed with '>'"),
    ],
)
def test_markup_refused_at_its_file_and_line(
    make_project: Project, template: str, message: str
) -> None:
    if not message.startswith("templates/"):
        message = f"templates/welcome.j2:1: {message}"
    # es-US speaks its own templates/es-US/welcome.j2: only en-US is refused.
    assert refused(make_project, template) == [f"prompt 'main/welcome' [en-US]: {message}"]


def test_markup_from_a_variable_points_at_the_line_that_writes_it(make_project: Project) -> None:
    toml = BASE_TOML.replace('company = "Acme Bank"', 'company = "Acme <b>Bank</b>"')
    path = make_project(
        toml, files={"templates/welcome.j2": "Hello.\nWelcome to\n{{ company }}.\n"}
    )
    with pytest.raises(PreflightFailed) as info:
        render.render_all(config.load(path))
    assert info.value.problems == [
        "prompt 'main/welcome' [en-US]: templates/welcome.j2:3: unknown tag <b>; the tags are "
        "<break/>, <say-as> and <sub> (write &lt; for a '<' that is text)"
    ]


def test_markup_inline_text_points_at_its_prompts_toml_line(make_project: Project) -> None:
    toml = BASE_TOML.replace('text = "{{ hours }}"', 'text = "{{ hours }} <pause/>"')
    path = make_project(toml)
    result = run_cli("check", "--config", str(path), "--format", "github")
    assert result.returncode == 1
    line = BASE_TOML.splitlines().index('text = "{{ hours }}"') + 1
    assert result.stdout.splitlines() == [
        f"::error file=prompts.toml,line={line},title=markup::prompt 'main/hours' [{code}]: "
        f"prompts.toml:{line}: unknown tag <pause>; the tags are <break/>, <say-as> and <sub> "
        "(write &lt; for a '<' that is text)"
        for code in ("en-US", "es-US")
    ]


def test_markup_github_annotation_on_the_template_line(make_project: Project) -> None:
    files = {"templates/welcome.j2": 'Welcome.\n<break time="20s"/>\n'}
    path = make_project(files=files)
    result = run_cli("check", "--config", str(path), "--format", "github")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "::error file=templates/welcome.j2,line=2,title=markup::prompt 'main/welcome' [en-US]: "
        'templates/welcome.j2:2: <break time="20s"/>: a break of 20000 ms is over the 10 s '
        "limit; split the prompt or shorten the pause"
    )


def test_markup_dictionary_applies_after_verbalization(make_project: Project) -> None:
    files = {
        "templates/welcome.j2": "Since {{ 2026 | number }}.",
        "pron/en-US.toml": '"two thousand" = "two thousand and"\n',
    }
    cfg = config.load(make_project(files=files))
    rows = {(r["id"], r["locale"]): r for r in selection.review(cfg, BuildOptions())}
    row = rows[("main/welcome", "en-US")]
    assert (row["text"], row["verbalized"], row["spoken_text"]) == (
        "Since 2,026.",
        "Since two thousand and twenty-six.",
        "Since two thousand and and twenty-six.",
    )


def test_markup_and_bad_values_bill_nothing_and_exit_1(make_project: Project) -> None:
    files = {**FILES, "templates/welcome.j2": 'Balance {{ "12a" | money("EUR") }}.\n'}
    path = make_project(WAVES_TOML, files=files)
    with WavesServer(api_key=KEY) as server:
        planned = cli(path, "plan", url=server.url)
        built = cli(path, "build", url=server.url)
        requests = list(server.records)
    message = (
        "error: prompt 'main/welcome' [{}]: templates/welcome.j2:1: money: cannot read '12a' as "
        "a number; give a number like 1250.5 or -3 (digits, an optional minus sign and decimal "
        "point)"
    )
    for result in (planned, built):
        assert result.returncode == 1
        assert result.stderr.splitlines() == [message.format("en-US")]
    assert requests == []


def test_markup_render_shows_transcript_spoken_and_pauses(make_project: Project) -> None:
    files = {"templates/welcome.j2": 'Owed: {{ 5 | money("USD") }}.<break time="700ms"/>Bye.'}
    path = make_project(files=files)
    result = run_cli("render", "--config", str(path), "--only", "main/welcome", "--locale", "en-US")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "main/welcome [en-US] (templates/welcome.j2)",
        "  text:   Owed: $5.00. Bye.",
        "  spoken: Owed: five dollars, zero cents. [pause 700 ms] Bye.",
    ]


def test_markup_no_markup_costs_no_parse(make_project: Project) -> None:
    r = rendered(make_project, textwrap.dedent("  Plain\n  text.\n"))
    assert (r.text, r.spoken, r.parts) == ("Plain text.", "Plain text.", ())


def test_markup_the_spoken_text_keys_the_synthesis(make_project: Project, tmp_path: Path) -> None:
    from ivr_prompts.engines.registry import Engines

    first = make_project(files={"templates/welcome.j2": '<sub alias="Acme">ACME</sub>'})
    cfg = config.load(first)
    key = plan.make_plan(cfg, BuildOptions(), Engines(cfg)).pairs[0].synth_key
    (first.parent / "templates/welcome.j2").write_text('<sub alias="Ack me">ACME</sub>')
    cfg = config.load(first)
    again = plan.make_plan(cfg, BuildOptions(), Engines(cfg)).pairs[0]
    assert again.rendered.text == "ACME"
    assert again.synth_key != key


def test_markup_pauses_in_the_manifest_and_on_the_review_page(make_project: Project) -> None:
    import json

    from ivr_prompts.review.write import write_review

    from .engines import CountingEngine, build_with

    files = {"templates/welcome.j2": 'Main menu.<break time="600ms"/> Press {{ 1 | number }}.'}
    cfg = config.load(make_project(files=files))
    build_with(cfg, CountingEngine())
    records = json.loads((cfg.project.output / "manifest.json").read_text(encoding="utf-8"))
    welcome = next(r for r in records["prompts"] if r["id"] == "main/welcome")
    assert (welcome["text"], welcome["spoken_text"], welcome["parts"]) == (
        "Main menu. Press 1.",
        "Main menu. Press one.",
        ["Main menu.", 600, "Press one."],
    )
    assert all("parts" not in r for r in records["prompts"] if r is not welcome)
    page = write_review(cfg).path.read_text(encoding="utf-8")
    assert (
        '<label>pauses</label><p class="parts">Main menu. '
        '<span class="pause" title="silence">⏸ 600 ms</span> Press one.</p>'
    ) in page


def test_markup_dictionary_word_only_in_the_spoken_text_is_used(make_project: Project) -> None:
    from ivr_prompts.flow.check import run_check

    files = {
        "templates/welcome.j2": "Since {{ 2026 | number }}.",
        "pron/en-US.toml": '"thousand" = "thouzand"\n"Acme" = "Ack-mee"\n',
    }
    issues = run_check(make_project(files=files)).issues
    assert [i.message for i in issues if i.code == "unused-word"] == [
        "'Acme' occurs in no en-US prompt; remove it or check its spelling (matching is "
        "case-sensitive, whole words)"
    ]
