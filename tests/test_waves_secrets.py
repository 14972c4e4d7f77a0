"""The API key, by value, whatever variable holds it: never printed, stored or sent as text."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ivr_prompts import secrets

from .conftest import Project, run_cli
from .test_waves_build import FILES, WAVES_TOML, waves_env
from .waves_server import WavesServer

TOKEN = "sk_live_TOKEN_5f3a9c0e7b214d68"
TOKEN_TOML = WAVES_TOML.replace("[waves]", '[waves]\napi_key_env = "WAVES_TOKEN"')


def token_cli(project: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = waves_env("", url)
    env.pop("SMALLEST_API_KEY")
    env["WAVES_TOKEN"] = TOKEN
    return run_cli(*args, "--config", str(project), env=env)


def assert_nowhere(project: Path, result: subprocess.CompletedProcess[str]) -> None:
    """Not in the output, nor in any byte the run wrote (manifest, indexes, lock, cache)."""
    assert TOKEN not in result.stdout + result.stderr
    written = [p for p in project.parent.rglob("*") if p.is_file() and p not in INPUTS[project]]
    for file in written:
        assert TOKEN.encode() not in file.read_bytes(), file


INPUTS: dict[Path, set[Path]] = {}


def project_with(make_project: Project, toml: str, files: dict[str, str]) -> Path:
    path = make_project(toml, files)
    INPUTS[path] = {p for p in path.parent.rglob("*") if p.is_file()}
    return path


def test_secrets_redact_goes_by_value_not_name() -> None:
    assert secrets.redact(f"x {TOKEN} y", [TOKEN]) == "x <hidden> y"
    assert secrets.contains_secret(f"Bearer {TOKEN}", [TOKEN])
    assert not secrets.contains_secret("short", ["short"])  # too short to be a key
    holder = {"waves": {"base_url": TOKEN}, "list": ["a", f"b{TOKEN}"]}
    assert secrets.paths_holding(holder, "", [TOKEN]) == ["waves.base_url", "list[1]"]


def test_waves_build_key_in_other_variable_echoed_by_server_is_nowhere(
    make_project: Project,
) -> None:
    path = project_with(make_project, TOKEN_TOML, FILES)
    with WavesServer(api_key=TOKEN, concurrency=2, retry_after="0") as server:
        server.script("echo-key", "500", "echo-key", "truncate")
        result = token_cli(path, server.url, "-vvv", "build")
        echoed = [r for r in server.tts_records() if r.fault == "echo-key"]
    assert result.returncode == 0, result.stderr
    assert "debug httpcore" in result.stderr  # response headers were logged...
    assert "<hidden>" in result.stderr  # ...with the echoed key, redacted
    assert len(echoed) == 2
    assert_nowhere(path, result)


def test_waves_build_base_url_holding_key_is_not_echoed(make_project: Project) -> None:
    toml = TOKEN_TOML.replace("[waves]", f'[waves]\nbase_url = "{TOKEN}"')
    path = project_with(make_project, toml, FILES)
    result = token_cli(path, "", "build")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: prompts.toml: waves.base_url: must start with http:// or https://, got '<hidden>'"
    ]
    assert_nowhere(path, result)


def test_waves_build_config_and_template_holding_key_refused_before_any_request(
    make_project: Project,
) -> None:
    toml = TOKEN_TOML.replace('company = "Acme Bank"', f'company = "Acme {TOKEN}"')
    toml = toml.replace('voice = "lucia"', f'voice = "{TOKEN}"')
    files = {**FILES, "templates/welcome.j2": f"Welcome. Your key is {TOKEN}.\n"}
    path = project_with(make_project, toml, files)
    with WavesServer(api_key=TOKEN) as server:
        result = token_cli(path, server.url, "build")
        requests = len(server.records)
    assert result.returncode == 2
    fix = "holds the Waves API key; remove it: the key belongs in the environment only"
    assert result.stderr.splitlines() == [
        f"error: prompts.toml: locales.en-US.vars.company: {fix}",
        f"error: prompts.toml: locales.es-US.voice: {fix}",
        f"error: templates/welcome.j2: {fix}",
    ]
    assert requests == 0
    assert_nowhere(path, result)


def test_waves_build_dictionary_holding_key_refused_before_any_request(
    make_project: Project,
) -> None:
    files = {**FILES, "pron/en-US.toml": f'"Acme" = "{TOKEN}"\n'}
    path = project_with(make_project, TOKEN_TOML, files)
    with WavesServer(api_key=TOKEN) as server:
        result = token_cli(path, server.url, "build")
        requests = len(server.records)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: en-US.toml: holds the Waves API key; remove it: the key belongs in the "
        "environment only"
    ]
    assert requests == 0
    assert_nowhere(path, result)
