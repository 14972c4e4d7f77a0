"""Synthetic prompt sets: one matrix prompt in two locales, sized to any number of pairs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ivr_prompts import config as config_mod

LOCALES = 2
BenchEngine = Literal["waves", "espeak"]


@dataclass(frozen=True)
class Project:
    """A generated prompt set on disk."""

    root: Path
    pairs: int

    @property
    def toml(self) -> Path:
        return self.root / "prompts.toml"

    @property
    def output(self) -> Path:
        return self.root / "dist"

    def load(self) -> config_mod.Config:
        return config_mod.load(self.toml)


def write_project(
    root: Path,
    pairs: int,
    *,
    engine: BenchEngine,
    concurrency: int = 1,
    max_attempts: int = 6,
    version: int = 1,
    varied: bool = False,
    remote_cache: str | None = None,
) -> Project:
    """`pairs` prompt x locale pairs (even, >= 4): one editable prompt plus a matrix prompt.
    `varied`: the matrix prompt's texts run from 30 to 150 characters (a thanks repeated
    n % 6 times), as the lengths of a real set vary. `remote_cache`: an `s3://bucket/prefix`
    shared cache under the local one."""
    if pairs < 4 or pairs % LOCALES:
        raise ValueError(f"pairs must be even and >= 4, got {pairs}")
    matrix = ", ".join(str(1000 + i) for i in range(pairs // LOCALES - 1))
    root.mkdir(parents=True, exist_ok=True)
    tail = "{{ thanks * (n % 6) }}" if varied else ""
    en_thanks = ', thanks = " Thank you for calling."' if varied else ""
    es_thanks = ', thanks = " Gracias por llamar."' if varied else ""
    remote = f'remote_cache = "{remote_cache}"\n' if remote_cache else ""
    text = f"""\
[project]
name = "bench"
output = "dist"
cache = ".ivr-cache"
{remote}
[synth]
engine = "{engine}"
voice = "magnus"

[waves]
concurrency = {concurrency}
max_attempts = {max_attempts}
dictionaries = false

[limits]
min_seconds = 0.2
max_seconds = 30

[publish]
targets = ["asterisk", "freeswitch", "wav"]
freeswitch_voice = "bench"

[locales.en-US]
language = "en"
vars = {{ label = "Account number", hold = "please hold"{en_thanks} }}

[locales.es-US]
language = "es"
voice = "lucia"
vars = {{ label = "Número de cuenta", hold = "espere por favor"{es_thanks} }}

[[prompts]]
id = "main/welcome"
text = "Welcome to the benchmark line, recording {version}."

[[prompts]]
id = "accounts/n{{{{ n }}}}"
text = "{{{{ label }}}} {{{{ n }}}}, {{{{ hold }}}}.{tail}"
matrix = {{ n = [{matrix}] }}
"""
    (root / "prompts.toml").write_text(text, encoding="utf-8")
    return Project(root, pairs)


def set_version(project: Project, version: int) -> None:
    """Change the text of one prompt (both its locales): the one-prompt edit of section 3."""
    text = project.toml.read_text(encoding="utf-8")
    start = text.index("recording ") + len("recording ")
    end = text.index(".", start)
    project.toml.write_text(text[:start] + str(version) + text[end:], encoding="utf-8")
