"""Asterisk's real core-sounds-en.txt, imported unedited and built: a helper other tests reuse.

`build_core_sounds(folder)` writes a project into `folder`, imports
tests/fixtures/real/asterisk/core-sounds-en.txt with `ivr-prompts import` (the library call),
builds it on espeak-ng and returns the published set's folder: `<out>/asterisk/en/` holds every
spoken entry under the name Asterisk plays (`followme/call-from.ulaw`, `digits/1.ulaw`) and
`silence/1` .. `silence/10` as exact silence. The real-Asterisk tests play it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from ivr_prompts import config, importers
from ivr_prompts.flow import build
from ivr_prompts.flow.options import BuildOptions

REAL = Path(__file__).parent / "fixtures" / "real"
CORE_SOUNDS_EN = REAL / "asterisk" / "core-sounds-en.txt"

# demo-instruct lasts 65 s on espeak-ng (over the default 60 s maximum): the project allows 90.
PROJECT = """\
[project]
name = "core-sounds"
cache = "cache"
output = "dist"

[synth]
engine = "espeak"

[limits]
max_seconds = 90

[publish]
targets = [{targets}]
hd = {hd}

[locales.en]
language = "en"
"""


def import_core_sounds(
    folder: Path, *, targets: Sequence[str] = ("asterisk",), hd: bool = False
) -> Path:
    """A project in `folder` holding the imported list; its prompts.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    toml = folder / "prompts.toml"
    listed = ", ".join(f'"{t}"' for t in targets)
    toml.write_text(PROJECT.format(targets=listed, hd=str(hd).lower()), encoding="utf-8")
    importers.import_files(importers.load_project(toml), [CORE_SOUNDS_EN])
    return toml


def build_core_sounds(
    folder: Path,
    *,
    only: Sequence[str] = (),
    targets: Sequence[str] = ("asterisk",),
    hd: bool = False,
) -> Path:
    """Import core-sounds-en.txt into a project in `folder`, build it (only the ids matching
    `only`, when given) and return the published folder (`<folder>/dist`)."""
    toml = import_core_sounds(folder, targets=targets, hd=hd)
    cfg = config.load(toml)
    asyncio.run(build.build(cfg, BuildOptions(only=tuple(only))))
    return cfg.project.output
