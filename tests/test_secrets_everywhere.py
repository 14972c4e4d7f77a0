"""No command prints the configured API key, wherever in the project it was pasted.

The key is held in a variable whose name says nothing of secrets (only `waves.api_key_env` names
it), so it is found by value alone. Each command runs in-process (click's runner) against the
Waves test server, once per place the key can be pasted: every text key of prompts.toml, a
locale's fields, a prompt's, a variable, a template and a dictionary.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr_prompts import config, secrets
from ivr_prompts.cli import main
from ivr_prompts.config.settings import KEYS

from .conftest import run_cli
from .engines import CountingEngine, build_with
from .waves_server import WavesServer

KEY = "sk_live_EVERYWHERE_7c1d93ab52e04f18"
ENV = "IVR_WAVES_CREDENTIAL"  # no API_KEY, TOKEN or SECRET in it: found by value only

BASE = {
    "project": {"name": "secret-set", "output": "dist", "cache": "cache"},
    "synth": {"engine": "waves"},
    "waves": {"api_key_env": ENV},
}
LOCALE = {"language": "en", "voice": "magnus", "pronunciations": "pron/en-US.toml"}
FILES = {
    "templates/welcome.j2": "Welcome to {{ company }}.\n",
    "pron/en-US.toml": '"Acme" = "Ack-mee"\n',
    "import.csv": "id,locale,text\nnew/one,en-US,Hello there\n",
}
# Every text key of prompts.toml (api_key_env names the variable: it cannot hold the key).
FIELDS = [
    (k.section, k.name)
    for k in KEYS
    if k.kind is str and (k.section, k.name) != ("waves", "api_key_env")
]
PLACES = [
    *(f"{section}.{name}" for section, name in FIELDS),
    "locale.language",
    "locale.voice",
    "locale.pronunciations",
    "prompt.id",
    "prompt.text",
    "prompt.template",
    "variable",
    "template",
    "dictionary",
]
COMMANDS = {
    "render": ["render"],
    "check": ["check"],
    "plan": ["plan"],
    "plan --json": ["plan", "--format", "json"],
    "voices": ["voices"],
    "dicts list": ["dicts", "list"],
    "import": ["import", "import.csv"],
    "review": ["review"],
}


def _toml(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + " }"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def project(root: Path, place: str) -> Path:
    """A Waves project with the key pasted at `place`."""
    tables: dict[str, dict[str, str]] = {k: dict(v) for k, v in BASE.items()}
    locale = dict(LOCALE)
    prompt = {"id": "main/welcome", "template": "welcome.j2"}
    company = "Acme Bank"
    files = dict(FILES)
    section, _, name = place.partition(".")
    if section in ("project", "synth", "waves", "audio", "limits", "publish"):
        tables.setdefault(section, {})[name] = KEY
    elif section == "locale":
        locale[name] = KEY
    elif section == "prompt":
        prompt = {"id": f"main/{KEY}"} if name == "id" else {"id": "main/welcome", name: KEY}
    elif place == "variable":
        company = f"Acme {KEY}"
    elif place == "template":
        files["templates/welcome.j2"] = f"Welcome. Your key is {KEY}.\n"
    else:
        files["pron/en-US.toml"] = f'"Acme" = "{KEY}"\n'
    lines = []
    for table, values in tables.items():
        lines += [f"[{table}]", *(f"{k} = {_toml(v)}" for k, v in values.items()), ""]
    lines += ["[locales.en-US]", *(f"{k} = {_toml(v)}" for k, v in locale.items())]
    lines += [f"vars = {{ company = {_toml(company)} }}", "", "[[prompts]]"]
    lines += [f"{k} = {_toml(v)}" for k, v in prompt.items()]
    for name_, text in files.items():
        (root / name_).parent.mkdir(parents=True, exist_ok=True)
        (root / name_).write_text(text, encoding="utf-8")
    path = root / "prompts.toml"
    path.write_text(textwrap.dedent("\n".join(lines)) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server() -> Iterator[WavesServer]:
    with WavesServer(api_key=KEY) as s:
        yield s


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("place", PLACES)
def test_cli_key_pasted_anywhere_never_printed(
    tmp_path: Path, server: WavesServer, monkeypatch: pytest.MonkeyPatch, place: str, command: str
) -> None:
    path = project(tmp_path, place)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(secrets, "_remembered", frozenset())  # a fresh process's memory
    env = {ENV: KEY, "SMALLEST_BASE_URL": server.url, "SMALLEST_API_KEY": None}

    result = CliRunner().invoke(main, [*COMMANDS[command], "--config", str(path)], env=env)

    assert KEY not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


@pytest.mark.parametrize(
    ("place", "command"), [("variable", "render"), ("waves.base_url", "check")]
)
def test_cli_process_key_in_variable_or_base_url_hidden(
    tmp_path: Path, place: str, command: str
) -> None:
    """The two findings of issue 21, as a user runs them: a real process, its real streams."""
    path = project(tmp_path, place)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMALLEST_")}
    env[ENV] = KEY

    done = run_cli(command, "--config", str(path), env=env)

    assert KEY not in done.stdout + done.stderr
    assert "<hidden>" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_check_memo_key_in_variable_not_stored_in_the_cache(tmp_path: Path) -> None:
    """`check` remembers its findings in the cache; a finding quoting the key keeps <hidden>."""
    path = project(tmp_path, "variable")
    text = path.read_text(encoding="utf-8").replace('engine = "waves"', 'engine = "espeak"')
    path.write_text(text.replace(f"Acme {KEY}", "Acme Bank"), encoding="utf-8")
    build_with(config.load(path), CountingEngine())  # a published set to compare with
    path.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMALLEST_")}
    env[ENV] = KEY

    first = run_cli("check", "--config", str(path), env=env)
    again = run_cli("check", "--config", str(path), env=env)

    assert first.stdout == again.stdout  # the second answered from the memo
    stored = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert stored
    assert not [p for p in stored if KEY.encode() in p.read_bytes()]


def test_build_offline_key_in_variable_refused_nothing_published(tmp_path: Path) -> None:
    """Offline engines send nothing anywhere, but the manifest, the indexes and the audio would
    carry the key: the build refuses it as a Waves build does."""
    path = project(tmp_path, "variable")
    text = path.read_text(encoding="utf-8").replace('engine = "waves"', 'engine = "espeak"')
    path.write_text(text, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMALLEST_")}
    env[ENV] = KEY

    done = run_cli("build", "--config", str(path), env=env)

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: prompts.toml: locales.en-US.vars.company: holds the Waves API key; remove it: "
        "the key belongs in the environment only"
    ]
    assert not (tmp_path / "dist").exists()
