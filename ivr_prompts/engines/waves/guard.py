"""Refuse a project that would carry the API key to the server: config, templates, dictionaries."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ... import secrets
from ...config import Config
from ...text.lexicon import Lexicon

FIX = "holds the Waves API key; remove it: the key belongs in the environment only"


def secret_problems(config: Config, lexicons: Mapping[str, Lexicon]) -> list[str]:
    """One line per place of the project that holds a known secret, naming the place only."""
    name = config.path.name
    settings = {
        f.name: getattr(config, f.name)
        for f in dataclasses.fields(config)
        if f.name not in ("path", "prompts")
    }
    lines = [f"{name}: {where}: {FIX}" for where in secrets.paths_holding(settings, "")]
    for prompt in config.prompts:
        label = f"prompts[{prompt.index}]"
        if not secrets.contains_secret(prompt.id):
            label += f" ({prompt.id})"
        lines += [f"{name}: {where}: {FIX}" for where in secrets.paths_holding(prompt, label)]
    templates = config.templates_dir
    if templates.is_dir():
        for path in sorted(p for p in templates.rglob("*") if p.is_file()):
            text = path.read_bytes().decode("utf-8", "replace")
            if secrets.contains_secret(text):
                lines.append(f"{path.relative_to(config.root)}: {FIX}")
    for code, lexicon in sorted(lexicons.items()):
        if any(secrets.contains_secret(w + "\n" + s) for w, s in lexicon.entries):
            where = lexicon.source.name if lexicon.source else f"pronunciations of {code}"
            lines.append(f"{where}: {FIX}")
    return lines
