"""What `plan` and `build` say Waves was asked: characters billed, requests, retries by status."""

from __future__ import annotations

import json

from ivr_prompts.flow.usage import Usage

from .conftest import Project
from .test_waves_build import FILES, WAVES_TOML, cli
from .waves_server import WavesServer


def test_usage_summary_names_retries_by_status() -> None:
    usage = Usage(requests=12, characters=230, retries={"503": 1, "429": 2})
    assert usage.summary() == (
        "waves: 230 characters billed in 12 request(s); 3 retried (429: 2, 503: 1)"
    )
    assert usage.as_json() == {
        "characters_billed": 230,
        "requests": 12,
        "retries": {"429": 2, "503": 1},
    }


def test_waves_build_reports_characters_requests_and_retries(make_project: Project) -> None:
    path = make_project(WAVES_TOML, FILES)
    with WavesServer(concurrency=2, retry_after="0") as server:
        planned = cli(path, "plan", "--format", "json", url=server.url)
        server.script("429", "500", "429")
        built = cli(path, "build", "--json", url=server.url)
        shown = cli(path, "plan", url=server.url)
        tts = server.tts_records()

    assert built.returncode == 0, built.stderr
    billed = sum(len(r.body["text"]) for r in tts if r.status == 200)
    assert json.loads(planned.stdout)["waves"] == {
        "characters_billed": billed,
        "requests": 10,
        "retries": {},
    }
    assert json.loads(built.stdout)["waves"] == {
        "characters_billed": billed,
        "requests": len(tts),
        "retries": {"429": 2, "500": 1},
    }
    assert len(tts) == 13
    assert "waves: 0 characters billed in 0 request(s)" not in shown.stdout


def test_waves_build_text_summary_has_the_usage_line(make_project: Project) -> None:
    path = make_project(WAVES_TOML, FILES)
    with WavesServer(concurrency=2, retry_after="0") as server:
        server.script("429")
        built = cli(path, "build", url=server.url)
        tts = server.tts_records()
    billed = sum(len(r.body["text"]) for r in tts if r.status == 200)
    assert built.returncode == 0, built.stderr
    assert f"waves: {billed} characters billed in 11 request(s); 1 retried (429: 1)" in (
        built.stdout.splitlines()
    )
