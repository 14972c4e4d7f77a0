"""Whole builds through the real CLI against the local server that speaks the Waves contract."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Project, run_cli
from .waves_server import WavesServer

KEY = "sk_test_0123456789abcdef"

WAVES_TOML = """
[project]
name = "waves-set"
output = "dist"
cache = "cache"

[synth]
engine = "waves"

[waves]
concurrency = 2
max_attempts = 8

[limits]
min_seconds = 0.2

[locales.en-US]
language = "en"
voice = "magnus"
pronunciations = "pron/en-US.toml"
vars = { company = "Acme Bank", hours = "nine to five" }

[locales.es-US]
language = "es"
voice = "lucia"
pronunciations = "pron/es-US.toml"
vars = { company = "Banco Acme", hours = "de nueve a cinco" }

[[prompts]]
id = "main/welcome"
template = "welcome.j2"

[[prompts]]
id = "main/hours"
text = "We are open {{ hours }}."

[[prompts]]
id = "digits/{{ n }}"
text = "{{ n }}"
matrix = { n = [1, 2, 3] }
"""

FILES = {"pron/es-US.toml": '"Acme" = "Acmi"\n', "pron/en-US.toml": '"Acme" = "Ack-mee"\n'}


@pytest.fixture
def server() -> Iterator[WavesServer]:
    with WavesServer(api_key=KEY, concurrency=2, latency=0.05, retry_after="0") as s:
        yield s


def cli(
    project: Path, *args: str, key: str = KEY, url: str = ""
) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, "--config", str(project), env=waves_env(key, url))


def waves_env(key: str, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMALLEST_")}
    env.update(SMALLEST_API_KEY=key, SMALLEST_BASE_URL=url)
    return env


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_waves_build_bounded_dictionaries_referenced_and_nothing_twice(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML, FILES)
    server.script("429", "500", "429")
    result = cli(path, "build", "--json", url=server.url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["published"] is True
    tts = server.tts_records()
    ok = [r for r in tts if r.status == 200]
    assert len(ok) == 10  # 5 prompts x 2 locales, each exactly once
    assert len({r.body["text"] for r in ok}) == len(ok) - 3  # digits are the same text in both
    assert server.max_in_flight <= 2
    posts = [
        r for r in server.records if r.path.endswith("pronunciation-dicts") and r.method == "POST"
    ]
    assert len(posts) == 2
    lock = json.loads((path.parent / "prompts.lock.json").read_text())
    ids = {code: entry["id"] for code, entry in lock["dictionaries"].items()}
    for r in ok:
        locale = "en-US" if r.body["voice_id"] == "magnus" else "es-US"
        assert r.body["pronunciation_dicts"] == [ids[locale]]
        assert r.body["sample_rate"] == 8000
        assert r.body["output_format"] == "pcm"
        assert r.body["language"] == locale[:2]
        assert "Ack-mee" not in r.body["text"]  # the server applies the dictionary, not us
    manifest = json.loads((path.parent / "dist/manifest.json").read_text())
    assert all(p["request_id"] for p in manifest["prompts"])

    again = cli(path, "build", url=server.url)
    assert again.returncode == 0
    assert len(server.tts_records()) == len(tts)  # nothing synthesized twice
    assert "up to date" in again.stdout


def test_waves_build_dictionary_word_change_resynthesizes_only_affected(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML, FILES)
    assert cli(path, "build", url=server.url).returncode == 0
    before = len(server.tts_records())
    (path.parent / "pron/es-US.toml").write_text('"Acme" = "Akme"\n')
    result = cli(path, "build", url=server.url)
    assert result.returncode == 0, result.stderr
    new = server.tts_records()[before:]
    assert [r.body["text"] for r in new] == ["Bienvenido a Banco Acme."]
    puts = [r for r in server.records if r.method == "PUT"]
    assert len(puts) == 1
    assert puts[0].body["items"] == [{"word": "Acme", "pronunciation": "Akme"}]


def test_waves_build_key_in_no_output_log_manifest_lock_or_cache(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML, FILES)
    server.script("500", "truncate", "429")
    result = cli(path, "-vvv", "build", url=server.url)
    assert result.returncode == 0, result.stderr
    assert "debug ivr_prompts" in result.stderr  # the most verbose logging really ran
    assert KEY not in result.stdout + result.stderr
    for file in path.parent.rglob("*"):
        if file.is_file():
            assert KEY.encode() not in file.read_bytes(), file


def test_waves_build_wrong_key_one_line_exit_2_previous_set_untouched(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML, FILES)
    assert cli(path, "build", url=server.url).returncode == 0
    before = tree_bytes(path.parent / "dist")
    path.write_text(path.read_text().replace("nine to five", "ten to six"))
    result = cli(path, "build", url=server.url, key="sk_wrong_key_999999")
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(
        r"error: Waves rejected the API key in SMALLEST_API_KEY "
        r"\(401 Unauthorized\): set a valid key from the Smallest AI console "
        r"\(request id [0-9a-f-]{36}\)",
        lines[0],
    )
    assert "sk_wrong_key_999999" not in result.stderr
    assert tree_bytes(path.parent / "dist") == before


def test_waves_build_unknown_voice_refused_before_any_synthesis(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML.replace('voice = "lucia"', 'voice = "nobody"'), FILES)
    result = cli(path, "build", url=server.url)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: locale es-US: Waves voice 'nobody' is not in the voice catalog; set its voice "
        "to one that does (lucia; see `ivr-prompts voices --language es`)"
    ]
    assert server.tts_records() == []
    assert not (path.parent / "dist").exists()


def test_waves_build_server_down_one_line_names_base_url(make_project: Project) -> None:
    # A short deadline ends the backoff early (the knob a user has); retries still happen.
    toml = WAVES_TOML.replace("max_attempts = 8", "max_attempts = 8\ndeadline_seconds = 1")
    path = make_project(toml, FILES)
    with WavesServer(api_key=KEY) as s:
        url = s.url  # a port that was just free: nothing listens there now
    result = cli(path, "build", url=url)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert url in result.stderr
    assert "check waves.base_url in prompts.toml or SMALLEST_BASE_URL" in result.stderr
    assert not (path.parent / "dist").exists()


def test_waves_build_killed_midway_previous_set_intact_and_work_kept(
    make_project: Project,
) -> None:
    path = make_project(WAVES_TOML.replace("concurrency = 2", "concurrency = 1"), FILES)
    with WavesServer(api_key=KEY, latency=0.3) as s:
        assert cli(path, "build", url=s.url).returncode == 0
        before = tree_bytes(path.parent / "dist")
        synth_dir = path.parent / "cache/synth"
        cached_before = sum(1 for p in synth_dir.rglob("*") if p.is_file())
        path.write_text(path.read_text().replace("[1, 2, 3]", "[4, 5, 6, 7, 8, 9]"))
        proc = subprocess.Popen(
            [sys.executable, "-m", "ivr_prompts", "build", "--config", str(path)],
            env=waves_env(KEY, s.url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while sum(r.status == 200 for r in s.tts_records()) < 10 + 4:
            assert time.monotonic() < deadline
            assert proc.poll() is None
            time.sleep(0.02)
        time.sleep(0.1)  # let the client store what it received
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert tree_bytes(path.parent / "dist") == before
        kept = sum(1 for p in synth_dir.rglob("*") if p.is_file()) - cached_before
        assert kept >= 3
        restart = (
            time.monotonic()
        )  # the server's clock: requests of the killed build started before
        result = cli(path, "build", url=s.url)
        assert result.returncode == 0, result.stderr
        redone = sum(r.status == 200 and r.started > restart for r in s.tts_records())
        # 12 new pairs in all: what was cached before the kill is not synthesized again.
        assert redone == 12 - kept
    manifest = json.loads((path.parent / "dist/manifest.json").read_text())
    assert sorted({p["id"] for p in manifest["prompts"]}) == [
        "digits/4",
        "digits/5",
        "digits/6",
        "digits/7",
        "digits/8",
        "digits/9",
        "main/hours",
        "main/welcome",
    ]


def test_waves_sse_endpoint_builds_same_set(make_project: Project, server: WavesServer) -> None:
    toml = WAVES_TOML.replace("concurrency = 2", 'concurrency = 2\nendpoint = "sse"')
    path = make_project(toml, FILES)
    result = cli(path, "build", url=server.url)
    assert result.returncode == 0, result.stderr
    assert {r.path for r in server.tts_records()} == {"/waves/v1/tts/live"}
    sse_files = published_digests(path.parent / "dist")
    assert len(sse_files) >= 10
    # The same project over the sync route, built apart: the same audio, byte for byte.
    sync_dir = path.parent / "sync"
    sync_dir.mkdir()
    for name in ("templates", "pron"):
        shutil.copytree(path.parent / name, sync_dir / name)
    (sync_dir / "prompts.toml").write_text(WAVES_TOML)
    result = cli(sync_dir / "prompts.toml", "build", url=server.url)
    assert result.returncode == 0, result.stderr
    assert "/waves/v1/tts" in {r.path for r in server.tts_records()}
    assert published_digests(sync_dir / "dist") == sse_files


def published_digests(dist: Path) -> dict[str, str]:
    """Each published file's sha256, from the manifest and checked against the bytes on disk."""
    manifest = json.loads((dist / "manifest.json").read_text())
    digests = {f["path"]: f["sha256"] for p in manifest["prompts"] for f in p["files"]}
    for name, digest in digests.items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest
    return digests


def test_waves_build_refuses_voice_lacking_locale_language_before_any_synthesis(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML.replace('voice = "lucia"', 'voice = "olivia"'), FILES)
    result = cli(path, "build", url=server.url)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: locale es-US: Waves voice 'olivia' does not speak spanish (its catalog entry "
        "lists english); set its voice to one that does (lucia; see `ivr-prompts voices "
        "--language es`)"
    ]
    assert server.tts_records() == []


# Runs one command in this process, then says whether httpx was ever imported.
IMPORTS_PROBE = """
import sys
from ivr_prompts.cli import main
try:
    main(sys.argv[1:], prog_name="ivr-prompts")
except SystemExit as exc:
    code = exc.code
print("httpx loaded" if "httpx" in sys.modules else "httpx absent", code, file=sys.stderr)
"""


def probe(project: Path, server: WavesServer, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", IMPORTS_PROBE, *args, "--config", str(project)],
        capture_output=True,
        text=True,
        check=False,
        env=waves_env(KEY, server.url),
    )
    return result.stderr.splitlines()[-1]


def test_waves_plan_check_noop_build_never_import_httpx(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML, FILES)
    assert probe(path, server, "plan") == "httpx absent 0"
    assert cli(path, "build", url=server.url).returncode == 0
    requests = len(server.records)
    assert probe(path, server, "plan") == "httpx absent 0"
    assert probe(path, server, "check") == "httpx absent 0"
    assert probe(path, server, "build") == "httpx absent 0"
    assert len(server.records) == requests
    # The probe sees httpx when a command does speak to Waves.
    assert probe(path, server, "dicts", "list") == "httpx loaded 0"


ORDER_TOML = """
[project]
name = "order"
output = "dist"
cache = "cache"

[synth]
engine = "waves"

[waves]
concurrency = 1
dictionaries = false

[limits]
min_seconds = 0.2

[locales.en-US]
language = "en"
voice = "magnus"

[[prompts]]
id = "mid"
text = "Your call is important to us."

[[prompts]]
id = "short"
text = "Please hold."

[[prompts]]
id = "long"
text = "For billing press one, for support press two, to hear these options again press nine."

[[prompts]]
id = "digits/{{ n }}"
text = "Account {{ n }}, thank you."
matrix = { n = [7, 12345] }
"""


def test_waves_build_sends_longest_text_first(make_project: Project) -> None:
    """An answer's time grows with its text: the longest go first, so the last are short."""
    with WavesServer(api_key=KEY, concurrency=1, latency=0.01, audio="babble") as server:
        result = cli(make_project(ORDER_TOML), "build", url=server.url)
        assert result.returncode == 0, result.stderr
        sent = [r.body["text"] for r in server.tts_records()]
        assert server.max_in_flight == 1
    assert sent == [
        "For billing press one, for support press two, to hear these options again press nine.",
        "Your call is important to us.",
        "Account 12345, thank you.",
        "Account 7, thank you.",
        "Please hold.",
    ]
