"""Shared fixtures: a small real prompt project written into tmp_path."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling

import ivr_prompts

from .aws import new_bucket

if TYPE_CHECKING:
    from ivr_prompts.config import Config

    from .s3_server import S3Server

BASE_TOML = """
[project]
name = "test-set"
output = "dist"
cache = "cache"

[synth]
engine = "espeak"

[limits]
min_seconds = 0.2
max_seconds = 20

[locales.en-US]
language = "en"
pronunciations = "pron/en-US.toml"
vars = { company = "Acme Bank", hours = "nine to five" }

[locales.es-US]
language = "es"
vars = { company = "Banco Acme", hours = "de nueve a cinco" }

[[prompts]]
id = "main/welcome"
template = "welcome.j2"

[[prompts]]
id = "main/hours"
text = "{{ hours }}"

[[prompts]]
id = "digits/{{ n }}"
text = "{{ n }}"
matrix = { n = [1, 2] }
"""

Project = Callable[..., Path]
# The templates and dictionary every test project starts with.
DEFAULT_FILES = {
    "templates/welcome.j2": "Welcome to {{ company }}.\n",
    "templates/es-US/welcome.j2": "Bienvenido a {{ company }}.\n",
    "pron/en-US.toml": '"Acme" = "Ack-mee"\n',
}


# Modules whose tests share an expensive module-scoped fixture: under pytest-xdist each one is
# one unit of work (one worker), so the fixture is built once; every other test is its own unit.
SHARED_FIXTURE_MODULES = {
    "test_sample_set.py": "the sample set, built once on the real local engines",
    "test_review_browser.py": "the sample set built twice (before and after) and a browser",
}


# Modules that share the session-scoped sample set (and its HD build): one unit of work together.
SAMPLE_SET_MODULES = {"test_sample_set.py", "test_pbx_asterisk.py", "test_pbx_freeswitch.py"}


class SharedFixtureScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
    """xdist's load balancing, one test at a time, except the modules above stay together.

    (`--dist loadgroup` would say this with marks, but it renames node ids, which pytest 9.2
    no longer allows: the marks are silently ignored.)
    """

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        if Path(module).name in SAMPLE_SET_MODULES:
            return "sample-set"  # one worker: the session-scoped sample set is built once
        return module if Path(module).name in SHARED_FIXTURE_MODULES else nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> SharedFixtureScheduling:
    return SharedFixtureScheduling(config, log)


def pytest_report_header() -> str:
    """Which copy of the package the tests import: CI checks this names the installed wheel."""
    return f"ivr_prompts {ivr_prompts.__version__} from {Path(ivr_prompts.__file__).parent}"


@pytest.fixture
def make_project(tmp_path: Path) -> Project:
    """Write prompts.toml, templates and a dictionary; return the prompts.toml path."""

    def make(toml: str = BASE_TOML, files: dict[str, str] | None = None) -> Path:
        for name, text in {**DEFAULT_FILES, **(files or {})}.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        config = tmp_path / "prompts.toml"
        config.write_text(textwrap.dedent(toml), encoding="utf-8")
        return config

    return make


def run_cli(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in a real process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "ivr_prompts", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    """A real S3 API server (moto) on loopback, one per test module; tests make their buckets."""
    from .s3_server import S3Server  # moto loads only where a test asks for it

    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3: S3Server) -> str:
    """A new bucket on the module's S3 server."""
    return new_bucket(s3.endpoint, "cli")


def build_sample_set(work: Path, *, hd: bool = False, cache: Path | None = None) -> Config:
    """The repository's own sample set (prompts.toml, templates, pronunciations) built in `work`
    on the real local engines; `hd` adds the 16 kHz files, `cache` shares a synthesis cache."""
    import asyncio
    import shutil

    from ivr_prompts import config
    from ivr_prompts.flow import build as builder

    root = Path(__file__).resolve().parent.parent
    toml = (root / "prompts.toml").read_text(encoding="utf-8")
    if cache is not None:
        toml = toml.replace("[project]\n", f"[project]\ncache = {str(cache)!r}\n", 1)
    if hd:
        toml = toml.replace("[publish]\n", "[publish]\nhd = true\n", 1)
    (work / "prompts.toml").write_text(toml, encoding="utf-8")
    shutil.copytree(root / "templates", work / "templates")
    shutil.copytree(root / "pronunciations", work / "pronunciations")
    cfg = config.load(work / "prompts.toml")
    asyncio.run(builder.build(cfg))
    return cfg


@pytest.fixture(scope="session")
def sample_set(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The sample set, built once per session (per xdist worker: SAMPLE_SET_MODULES share one)."""
    return build_sample_set(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="session")
def hd_sample_set(tmp_path_factory: pytest.TempPathFactory, sample_set: Config) -> Config:
    """The sample set with `[publish] hd = true`, re-using the sample set's synthesis."""
    work = tmp_path_factory.mktemp("sample-hd")
    return build_sample_set(work, hd=True, cache=sample_set.project.cache)
