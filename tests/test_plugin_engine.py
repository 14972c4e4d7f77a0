"""An engine that lives outside ivr_prompts (tests/fixtures/plugin: a module and its dist-info,
as `pip install` leaves them) builds the repository's sample set: engines are doors, found through
the `ivr_prompts.engines` entry-point group, with no edit to the package."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ivr_prompts import config
from ivr_prompts.text.render import render_all

from .conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = Path(__file__).resolve().parent / "fixtures" / "plugin"


def _sample_set(work: Path, engine: str, table: str = "") -> Path:
    text = (ROOT / "prompts.toml").read_text(encoding="utf-8")
    assert 'engine = "local"' in text
    text = text.replace('engine = "local"', f'engine = "{engine}"').replace(
        "[audio]", f"{table}[audio]"
    )
    (work / "prompts.toml").write_text(text)
    shutil.copytree(ROOT / "templates", work / "templates")
    shutil.copytree(ROOT / "pronunciations", work / "pronunciations")
    return work / "prompts.toml"


def _env(with_plugin: bool) -> dict[str, str]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    paths = [str(PLUGIN)] if with_plugin else []
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The engine's own settings table, declared by its door.
    table = "[espeak-cli]\nwords_per_minute = 150\n\n"
    toml = _sample_set(tmp_path_factory.mktemp("plugin"), "espeak-cli", table)
    result = run_cli("build", "--config", str(toml), env=_env(with_plugin=True))
    assert result.returncode == 0, result.stdout + result.stderr
    return toml


def test_plugin_engine_outside_package_builds_sample_set(built: Path) -> None:
    manifest = json.loads((built.parent / "dist" / "manifest.json").read_text(encoding="utf-8"))
    records = manifest["prompts"]
    pairs = {(r.id, r.locale) for r in render_all(config.load(ROOT / "prompts.toml"))}
    assert {(r["id"], r["locale"]) for r in records} == pairs  # the whole set, 34 pairs
    assert {(r["engine"], r["voice"]) for r in records} == {
        ("espeak-cli", "en"),
        ("espeak-cli", "es"),
    }
    for record in records:
        assert record["files"], record["id"]
        for file in record["files"]:
            assert (built.parent / "dist" / file["path"]).stat().st_size > 1000


def test_plugin_engine_second_build_is_noop(built: Path) -> None:
    result = run_cli("build", "--config", str(built), env=_env(with_plugin=True))
    assert result.returncode == 0, result.stderr
    assert f"up to date: {built.parent / 'dist'} already holds this set" in result.stdout


def test_plugin_engine_not_installed_fails_at_config_naming_known_engines(tmp_path: Path) -> None:
    toml = _sample_set(tmp_path, "espeak-cli")
    result = run_cli("plan", "--config", str(toml), env=_env(with_plugin=False))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: prompts.toml: synth.engine: must be one of espeak, local, piper, waves "
        "(did you mean 'espeak'?), got 'espeak-cli'"
    ]


def test_plugin_engine_settings_checked_as_ours(tmp_path: Path) -> None:
    table = "[espeak-cli]\nwords_per_minute = 20\npitch = 3\n\n"
    toml = _sample_set(tmp_path, "espeak-cli", table)
    result = run_cli("plan", "--config", str(toml), env=_env(with_plugin=True))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: prompts.toml: espeak-cli.pitch: unknown key; allowed: words_per_minute",
        "error: prompts.toml: espeak-cli.words_per_minute: must be between 80 and 450, got 20",
    ]
