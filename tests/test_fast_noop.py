"""The commands CI runs on every push answer "nothing changed" without the build's machinery: a
no-op `build` from the fingerprint, a repeated `check` from its remembered findings. Each test
runs the real command in a real process and looks at what that process imported."""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ivr_prompts import config
from ivr_prompts.engines.espeak import EspeakEngine
from ivr_prompts.engines.local import installed_voices, piper_available
from ivr_prompts.engines.piper import PiperEngine
from ivr_prompts.engines.registry import Engines, default_identity
from ivr_prompts.engines.waves.deferred import DeferredWaves
from ivr_prompts.flow.check_memo import MEMO

from .conftest import BASE_TOML, Project
from .conftest import run_cli as cli

# What a no-op must not load: the numeric stack, the event loop, templates, drawing, HTTP.
HEAVY = ("numpy", "asyncio", "jinja2", "rich", "httpx", "boto3", "ivr_prompts.flow.plan")

# Runs one command in this process, then prints its exit code and the heavy modules it loaded.
PROBE = """
import json, sys
from ivr_prompts.cli import main
code = 0
try:
    main(sys.argv[2:], prog_name="ivr-prompts")
except SystemExit as exc:
    code = exc.code
heavy = [m for m in json.loads(sys.argv[1]) if m in sys.modules]
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def probe(*args: str) -> tuple[int, list[str], str]:
    """Exit code, heavy modules loaded, and stdout of one command."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    last = json.loads(result.stderr.splitlines()[-1])
    return int(last["code"]), list(last["heavy"]), result.stdout


def built(make_project: Project, toml: str = BASE_TOML) -> Path:
    path = make_project(toml)
    result = cli("build", "--config", str(path))
    assert result.returncode == 0, result.stderr
    return path


def test_build_noop_drawing_its_table_imports_rich_and_nothing_else_heavy(
    make_project: Project,
) -> None:
    """The plain no-op draws its table with rich, and loads nothing else of HEAVY (the table's
    module once pulled in the numeric stack through the plan's usage estimate)."""
    path = built(make_project)
    code, heavy, out = probe("build", "--config", str(path))
    assert (code, heavy) == (0, ["rich"])
    assert "up to date" in out


def test_build_noop_imports_nothing_heavy(make_project: Project) -> None:
    path = built(make_project)
    code, heavy, out = probe("build", "--json", "--config", str(path))
    assert (code, heavy) == (0, [])
    report = json.loads(out)
    assert (report["pairs"], report["reused"], report["synthesized"]) == (8, 8, 0)
    assert report["published"] is False


def test_build_noop_text_report_says_up_to_date(make_project: Project) -> None:
    path = make_project()
    first = cli("build", "--config", str(path))
    assert first.returncode == 0, first.stderr
    assert "published 8 prompt(s) to" in first.stdout
    result = cli("build", "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert "up to date:" in result.stdout


def test_build_noop_removes_leftovers_of_a_killed_build(make_project: Project) -> None:
    path = built(make_project)
    staging = path.parent / ".dist.staging-killed"
    (staging / "wav").mkdir(parents=True)
    code, heavy, _ = probe("build", "--json", "--config", str(path))
    assert (code, heavy) == (0, [])
    assert not staging.exists()


def test_build_noop_with_output_locked_waits_for_the_lock(make_project: Project) -> None:
    path = built(make_project)
    lock = path.parent / ".dist.lock"
    command = [sys.executable, "-c", PROBE, json.dumps(HEAVY), "-v", "build", "--json"]
    with open(lock, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        child = subprocess.Popen(
            [*command, "--config", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stderr is not None
        lines = []
        for line in child.stderr:  # the fast path would have answered without waiting
            lines.append(line)
            if "waiting for another build" in line:
                break
        fcntl.flock(handle, fcntl.LOCK_UN)
        out, rest = child.communicate(timeout=120)
    assert any("waiting for another build" in line for line in lines), lines
    last = json.loads(rest.splitlines()[-1])
    assert last["code"] == 0
    assert "asyncio" in last["heavy"]  # the full build, once the holder let go
    assert json.loads(out)["reused"] == 8


def test_build_noop_with_archive_takes_the_full_path(make_project: Project) -> None:
    toml = BASE_TOML.replace('cache = "cache"', 'cache = "cache"\n\n[publish]\narchive = "zip"')
    path = built(make_project, toml)
    archive = next(path.parent.glob("*.zip"))
    archive.unlink()
    code, heavy, _ = probe("build", "--json", "--config", str(path))
    assert code == 0
    assert "asyncio" in heavy
    assert archive.is_file()  # the exports saw to the archive a no-op must restore


def test_build_edited_published_file_leaves_fast_path_and_restores_it(
    make_project: Project,
) -> None:
    path = built(make_project)
    published = path.parent / "dist/asterisk/en/digits/1.alaw"
    original = published.read_bytes()
    with open(published, "r+b") as handle:  # in place: the folder's mtime does not change
        handle.write(bytes(range(16)))
    code, heavy, _ = probe("build", "--json", "--config", str(path))
    assert code == 0
    assert "numpy" in heavy
    assert published.read_bytes() == original


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github"])
def test_check_repeated_answers_the_same_from_memo(make_project: Project, fmt: str) -> None:
    toml = BASE_TOML.replace(
        "min_seconds = 0.2",
        "min_seconds = 0.2\nmin_words_per_minute = 30\nmax_words_per_minute = 60",
    ).replace('text = "{{ hours }}"', 'text = "Our hours are {{ hours }}, every day."')
    path = built(make_project, toml)
    first = cli("check", "--format", fmt, "--config", str(path))
    assert first.returncode == 0, first.stderr
    assert (path.parent / "cache" / MEMO).is_file()
    code, heavy, out = probe("check", "--format", fmt, "--config", str(path))
    assert (code, heavy) == (0, [])
    assert out == first.stdout
    if fmt == "json":
        assert {f["code"] for f in json.loads(out)} == {"pace"}  # warnings kept, not only errors


def test_check_after_template_edit_looks_again(make_project: Project) -> None:
    path = built(make_project)
    assert cli("check", "--config", str(path)).returncode == 0
    (path.parent / "templates/welcome.j2").write_text("Welcome to {{ company }}!\n")
    code, heavy, out = probe("check", "--config", str(path))
    assert code == 1
    assert "ivr_prompts.flow.plan" in heavy
    assert "main/welcome [en-US]: stale: text changed" in out


def test_check_after_published_file_edit_looks_again(make_project: Project) -> None:
    path = built(make_project)
    assert cli("check", "--config", str(path)).returncode == 0
    published = path.parent / "dist/asterisk/en/digits/1.alaw"
    with open(published, "r+b") as handle:
        handle.write(bytes(range(16)))
    code, _, out = probe("check", "--config", str(path))
    assert code == 1
    assert "digits/1 [en-US]: modified:" in out
    # And the memo of that finding is not taken for a clean set once the build restored it.
    assert cli("build", "--config", str(path)).returncode == 0
    code, _, out = probe("check", "--config", str(path))
    assert (code, out.strip()) == (0, "ok: 8 prompt(s) match the published set")


def test_check_with_unreadable_memo_looks_again(make_project: Project) -> None:
    path = built(make_project)
    assert cli("check", "--config", str(path)).returncode == 0
    (path.parent / "cache" / MEMO).write_text("{not json")
    code, heavy, out = probe("check", "--config", str(path))
    assert code == 0
    assert "ivr_prompts.flow.plan" in heavy
    assert out.strip() == "ok: 8 prompt(s) match the published set"


def test_check_config_error_reported_not_remembered(make_project: Project) -> None:
    path = built(make_project)
    assert cli("check", "--config", str(path)).returncode == 0
    path.write_text(path.read_text().replace('engine = "espeak"', 'engine = "espek"'))
    result = cli("check", "--config", str(path))
    assert result.returncode == 1
    assert "synth.engine" in result.stdout


def test_engines_identity_without_engine_matches_the_engine(make_project: Project) -> None:
    cfg = config.load(make_project())
    engines = Engines(cfg)
    pause = cfg.audio.sentence_pause_ms
    assert default_identity("espeak", cfg, "en-us", "") == EspeakEngine().identity("en-us", "")
    waves = DeferredWaves(cfg)  # what default_factory makes for Waves
    assert default_identity("waves", cfg, "magnus", "lightning-v3.1") == waves.identity(
        "magnus", "lightning-v3.1"
    )
    assert engines.identity("espeak", "en-us", "") == EspeakEngine().identity("en-us", "")
    assert engines.started == {}  # answered without making an engine
    assert piper_available()  # the [local] extra the tests install
    name = installed_voices()[0].name
    assert default_identity("piper", cfg, name, "") == PiperEngine(pause).identity(name, "")
