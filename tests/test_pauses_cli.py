"""`<break time="800ms"/>` end to end: `ivr-prompts build` in a real process on espeak-ng, Piper
and the Waves test server, the published u-law read back by sox."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from ivr_prompts.engines.local import piper_available

from .conftest import Project, run_cli
from .waves_server import WavesServer

KEY = "sk_test_0123456789abcdef"
RATE = 8000
FIRST = "Welcome to Acme Bank."
SECOND = "For opening hours, press one."
SOX_S16 = ["-t", "raw", "-e", "signed", "-b", "16", "-"]

TOML = """
[project]
name = "pauses"
output = "dist"
cache = "cache"

[synth]
engine = "ENGINE"

[limits]
min_seconds = 0.2
max_seconds = 20

[locales.en-US]
language = "en"
voice = "magnus"

[[prompts]]
id = "menu"
template = "menu.j2"

[[prompts]]
id = "welcome"
text = "FIRST"
"""


def menu(ms: int, second: str = SECOND) -> str:
    return f'{FIRST}\n<break time="{ms}ms"/>\n{second}\n'


@pytest.fixture(scope="module")
def server() -> Iterator[WavesServer]:
    with WavesServer(api_key=KEY, concurrency=2, latency=0.0, retry_after="0") as s:
        yield s


def cli(path: Path, server: WavesServer, *args: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMALLEST_")}
    env.update(SMALLEST_API_KEY=KEY, SMALLEST_BASE_URL=server.url)
    json_flag = ["--format", "json"] if args[0] == "plan" else ["--json"]
    done = run_cli(*args, *json_flag, "--config", str(path), env=env)
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def decoded(path: Path) -> npt.NDArray[np.int16]:
    """A published .ulaw file as 16-bit samples, decoded by sox (not by us)."""
    raw = subprocess.run(
        ["sox", "-t", "ul", "-r", "8000", "-c", "1", str(path), *SOX_S16],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2")


def pauses(path: Path) -> tuple[list[tuple[int, int]], int]:
    """(start, length) of each run of samples within +-2 of zero of 400 ms or more inside the
    published menu (engines pause at commas for less); where the prompt alone says FIRST ends."""
    out = path.parent / "dist" / "asterisk" / "en"
    x, alone = decoded(out / "menu.ulaw"), decoded(out / "welcome.ulaw")
    quiet = np.concatenate(([0], (np.abs(x.astype(np.int32)) <= 2).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(quiet))
    runs = [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    inner = [r for r in runs if r[1] >= RATE * 2 // 5 and r[0] > 0 and sum(r) < x.size]
    return inner, alone.size - RATE // 5  # the trail pad is 200 ms


def assert_pause(path: Path, ms: int) -> None:
    found, first_ends = pauses(path)
    assert len(found) == 1, found
    start, length = found[0]
    assert abs(length - ms * RATE // 1000) <= RATE // 1000  # within 1 ms
    assert abs(start - first_ends) <= RATE * 15 // 1000


ENGINES = ["espeak", "waves", "piper" if piper_available() else "piper-missing"]


@pytest.mark.parametrize("engine", ENGINES)
def test_cli_build_break_800ms_is_exact_silence(
    make_project: Project, server: WavesServer, engine: str
) -> None:
    assert engine != "piper-missing", "Piper is not installed: pip install -e '.[local]'"
    path = make_project(
        TOML.replace("ENGINE", engine).replace("FIRST", FIRST), {"templates/menu.j2": menu(800)}
    )
    plan = cli(path, server, "plan")
    if engine == "waves":
        # The shared first part is billed once; the break is not sent.
        assert plan["billed_characters"] == len(FIRST) + len(SECOND)
    before = len(server.tts_records())
    built = cli(path, server, "build")
    assert built["published"] is True
    assert built["synthesized"] == 2  # FIRST (for both prompts) and SECOND
    if engine == "waves":
        texts = sorted(r.body["text"] for r in server.tts_records()[before:])
        assert texts == sorted([FIRST, SECOND])
    assert_pause(path, 800)
    # The files pass `validate` on their own, warnings too (edges, silences, level).
    files = path.parent / "dist" / "asterisk" / "en"
    checked = run_cli("validate", "--profile", "asterisk", "--strict", "--level", "-26", str(files))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # Built again from nothing but the cache: no engine is asked anything.
    shutil.rmtree(path.parent / "dist")
    again = cli(path, server, "build")
    assert (again["synthesized"], again["from_cache"]) == (0, 2)
    assert len(server.tts_records()) == before + (2 if engine == "waves" else 0)
    assert_pause(path, 800)


def test_cli_build_changed_break_and_edited_part(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(
        TOML.replace("ENGINE", "waves").replace("FIRST", FIRST), {"templates/menu.j2": menu(800)}
    )
    cli(path, server, "build")
    template = path.parent / "templates" / "menu.j2"
    template.write_text(menu(1200))
    before = len(server.tts_records())
    assert cli(path, server, "plan")["billed_characters"] == 0
    changed = cli(path, server, "build")
    assert (changed["synthesized"], changed["processed"]) == (0, 1)
    assert len(server.tts_records()) == before
    assert_pause(path, 1200)
    edited = "For our opening hours, press two."
    template.write_text(menu(1200, edited))
    assert cli(path, server, "plan")["billed_characters"] == len(edited)
    cli(path, server, "build")
    assert [r.body["text"] for r in server.tts_records()[before:]] == [edited]
    assert_pause(path, 1200)


def test_cli_sample_set_menu_pauses_600ms_before_its_options(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    for name in ("templates", "pronunciations"):
        shutil.copytree(root / name, tmp_path / name)
    shutil.copy(root / "prompts.toml", tmp_path / "prompts.toml")
    path = tmp_path / "prompts.toml"
    done = run_cli("build", "--only", "main/menu", "--config", str(path))
    assert done.returncode == 0, done.stderr
    for folder in ("en", "es"):  # Piper, espeak-ng
        x = decoded(tmp_path / "dist" / "asterisk" / folder / "main" / "menu.ulaw")
        quiet = np.concatenate(([0], (np.abs(x.astype(np.int32)) <= 2).astype(np.int8), [0]))
        edges = np.flatnonzero(np.diff(quiet))
        runs = [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
        # The first silence inside the prompt is the break after "Main menu." (two words).
        start, length = next(r for r in runs if r[0] > 0 and r[1] >= RATE // 10)
        assert length == 600 * RATE // 1000
        assert start < 2 * RATE  # "Main menu." / "Menú principal." at an IVR pace
