"""The CLI says what happened: counts at the end of `check`, `-v` wherever it is typed, an
archive that depends only on the set, spreadsheet formulas flagged in the Genesys CSV."""

from __future__ import annotations

import shutil

import pytest

from ivr_prompts import config
from ivr_prompts.export.archive import archive_bytes
from ivr_prompts.flow.check import run_check

from .conftest import BASE_TOML, Project
from .conftest import run_cli as cli
from .engines import CountingEngine, build_with


def test_check_cli_findings_end_with_their_counts(make_project: Project) -> None:
    path = make_project()

    result = cli("check", "--config", str(path))

    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "check: 8 errors, 0 warnings in 8 prompt(s)"


@pytest.mark.parametrize("where", ["before", "after", "end"])
def test_cli_verbose_anywhere_on_the_line(make_project: Project, where: str) -> None:
    path = make_project()
    build_with(config.load(path), CountingEngine())
    args = {
        "before": ["-v", "review", "--config", str(path)],
        "after": ["review", "-v", "--config", str(path)],
        "end": ["review", "--config", str(path), "-vv"],
    }[where]

    result = cli(*args)

    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(
        f"info ivr_prompts.review.write: wrote {path.parent}/review.html"
    )


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_archive_rebuilt_from_scratch_identical_bytes(make_project: Project, fmt: str) -> None:
    toml = BASE_TOML.replace("[locales.en-US]", f'[publish]\narchive = "{fmt}"\n\n[locales.en-US]')
    cfg = config.load(make_project(toml))
    build_with(cfg, CountingEngine())
    first = (cfg.root / f"dist.{fmt}").read_bytes()

    shutil.rmtree(cfg.project.output)
    build_with(cfg, CountingEngine())

    assert (cfg.root / f"dist.{fmt}").read_bytes() == first
    assert archive_bytes(cfg, fmt) == first  # type: ignore[arg-type]


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_check_genesys_csv_cell_read_as_formula_warned(make_project: Project, start: str) -> None:
    toml = BASE_TOML.replace(
        "[locales.en-US]", '[publish]\ntargets = ["genesys"]\n\n[locales.en-US]'
    ).replace('text = "{{ hours }}"', f'text = "{start}1 for {{{{ hours }}}}"')
    path = make_project(toml)
    build_with(config.load(path), CountingEngine())

    result = cli("check", "--config", str(path))

    shown = repr(start)
    line = toml.splitlines().index('id = "main/hours"') + 1  # the prompt's line
    warnings = [line for line in result.stdout.splitlines() if "csv-formula" in line]
    assert warnings == [
        f"prompts.toml:{line}: warning: main/hours [{code}]: csv-formula: genesys/prompts.csv: its "
        f"tts_{code.lower()} cell starts with {shown}, which a spreadsheet runs as a formula; "
        "start the text with a word (or never open the CSV in a spreadsheet)"
        for code in ("en-US", "es-US")
    ]


PACE = (
    BASE_TOML
    + """
[[prompts]]
id = "main/hold"
text = "Please hold while we connect your call now."
"""
)


def test_check_pace_band_per_locale_overrides_the_project_band(make_project: Project) -> None:
    band = "max_seconds = 20\nmin_words_per_minute = 30\nmax_words_per_minute = 31"
    toml = PACE.replace("max_seconds = 20", band).replace(
        'language = "es"', 'language = "es"\nmin_words_per_minute = 31\nmax_words_per_minute = 400'
    )
    path = make_project(toml)
    build_with(config.load(path), CountingEngine())

    paces = [i for i in run_check(path).issues if i.code == "pace"]

    assert [i.subject for i in paces] == ["main/hold [en-US]"]
    assert "([limits].min_words_per_minute..max_words_per_minute: 30-31)" in paces[0].message
    path.write_text(toml.replace("max_words_per_minute = 400", "max_words_per_minute = 32"))
    paces = [i for i in run_check(path).issues if i.code == "pace"]
    assert [i.subject for i in paces] == ["main/hold [en-US]", "main/hold [es-US]"]
    assert "([locales.es-US].min_words_per_minute..max_words_per_minute: 31-32)" in paces[1].message
