"""Which pairs a command looks at: every prompt x locale rendered, those --only and --locale
select, each locale's pronunciation dictionary, and what `render` shows of them."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from ..config import Config
from ..errors import ConfigError, Problem
from ..text import lexicon, render
from ..text.parts import Pause
from .options import BuildOptions

# Renders every pair of a config (render.render_all; tests give rendered pairs their parts).
RenderAll = Callable[[Config], list[render.Rendered]]


def load_lexicons(config: Config) -> dict[str, lexicon.Lexicon]:
    """Every locale's dictionary; raise ConfigError listing every bad file."""
    problems: list[Problem] = []
    out: dict[str, lexicon.Lexicon] = {}
    for code, loc in config.locales.items():
        try:
            out[code] = lexicon.load(code, loc.pronunciations)
        except ConfigError as exc:
            problems.extend(exc.found)  # with their dictionary file and line
    if problems:
        raise ConfigError(problems)
    return out


def select(
    config: Config, options: BuildOptions, render_all: RenderAll = render.render_all
) -> list[render.Rendered]:
    """Render every pair and check that --only/--locale select some; ConfigError otherwise."""
    for code in options.locales:
        if code not in config.locales:
            raise ConfigError(
                [
                    f"--locale {code}: not a locale of {config.path.name} "
                    f"(have: {', '.join(config.locales)})"
                ]
            )
    rendered = render_all(config)
    if (options.only or options.locales) and not any(selected(r, options) for r in rendered):
        wanted = " ".join(
            [*(f"--only {o}" for o in options.only), *(f"--locale {c}" for c in options.locales)]
        )
        example = f"; ids look like {rendered[0].id!r}" if rendered else ""
        raise ConfigError([f"{wanted}: selects no prompt{example}"])
    return rendered


def selected(rendered: render.Rendered, options: BuildOptions) -> bool:
    """Whether --only and --locale pick this pair."""
    by_id = not options.only or any(fnmatch.fnmatchcase(rendered.id, p) for p in options.only)
    return by_id and (not options.locales or rendered.locale in options.locales)


def review(config: Config, options: BuildOptions) -> list[dict[str, Any]]:
    """Each selected pair's transcript, its spoken text (verbalized, then its locale's
    pronunciation dictionary) and where its pauses fall."""
    lexicons = load_lexicons(config)
    return [
        {
            "id": r.id,
            "locale": r.locale,
            "source": r.source,
            "text": r.text,
            "verbalized": r.spoken,
            "spoken_text": lexicons[r.locale].apply(r.spoken),
            "parts": [
                {"pause_ms": p.ms}
                if isinstance(p, Pause)
                else {"say": lexicons[r.locale].apply(p.text)}
                for p in r.parts
            ],
        }
        for r in select(config, options)
        if selected(r, options)
    ]
