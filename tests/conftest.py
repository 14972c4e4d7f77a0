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

if TYPE_CHECKING:
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


class SharedFixtureScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
    """xdist's load balancing, one test at a time, except the modules above stay together.

    (`--dist loadgroup` would say this with marks, but it renames node ids, which pytest 9.2
    no longer allows: the marks are silently ignored.)
    """

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
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
