"""MkDocs hooks: the parts of the docs that the code declares are generated from it at build time.

- `<!-- generated: keys -->` becomes the configuration reference, one table per settings section,
  from the key declarations in `ivr_prompts/config/settings.py` (`KEYS`);
- `<!-- generated: help build -->` (or `help dicts sync`, or `help` alone for the group) becomes
  that command's `--help` text, as click prints it;
- the repository's CONTRIBUTING.md, CHANGELOG.md and BENCHMARKS.md become pages of the site,
  their links into `docs/` rewritten to work from there.

`tests/test_docs.py` calls these functions too, so a key or command the docs miss fails a test,
and `mkdocs build --strict` (in `.ci/run`) fails on a broken link. Nothing here imports mkdocs at
run time: the tests run without it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^<!-- generated: (keys|help(?: [a-z ]+)?) -->$", re.MULTILINE)
# Repository files shown as pages: (file at the root, page in the site).
ROOT_PAGES = {
    "CONTRIBUTING.md": "contributing.md",
    "CHANGELOG.md": "changelog.md",
    "BENCHMARKS.md": "benchmark-figures.md",
}
HELP_WIDTH = 100


def keys_reference() -> str:
    """Every declared settings key: a `### [section]` heading and a table per section."""
    from ivr_prompts.config import settings

    header, rule, *rows = settings.markdown_table().splitlines()
    parts = []
    for section in settings.SECTIONS:
        mine = [_escape(row) for row in rows if row.startswith(f"| `{section}.")]
        parts.append(f"### `[{section}]`\n\n" + "\n".join([header, rule, *mine]) + "\n")
    return "\n".join(parts)


def _escape(row: str) -> str:
    """`<voice>` outside code spans would be read as an HTML tag: write it as text."""
    parts = row.split("`")
    parts[::2] = [part.replace("<", "&lt;") for part in parts[::2]]
    return "`".join(parts)


def command_help(words: list[str]) -> str:
    """The `--help` text of `ivr-prompts WORDS...`, at a fixed width (not the terminal's)."""
    import click

    from ivr_prompts.cli.app import main

    command: click.Command = main
    ctx = click.Context(
        main,
        info_name="ivr-prompts",
        terminal_width=HELP_WIDTH,
        max_content_width=HELP_WIDTH,
        **main.context_settings,
    )
    for word in words:
        if not isinstance(command, click.Group):
            raise ValueError(f"ivr-prompts {' '.join(words)}: {command.name} has no subcommands")
        sub = command.get_command(ctx, word)
        if sub is None:
            raise ValueError(f"ivr-prompts {' '.join(words)}: no command {word!r}")
        command = sub
        ctx = click.Context(command, info_name=word, parent=ctx)
    return command.get_help(ctx)


def expand(markdown: str) -> str:
    """`markdown` with every `<!-- generated: ... -->` line replaced by what it names."""

    def one(match: re.Match[str]) -> str:
        what = match[1]
        if what == "keys":
            return keys_reference()
        return "```text\n" + command_help(what.split()[1:]) + "\n```"

    return MARKER.sub(one, markdown)


def root_page(markdown: str) -> str:
    """A root file's Markdown with its links adjusted to the site (`docs/x.md` -> `x.md`)."""
    markdown = re.sub(r"\]\(docs/", "](", markdown)
    markdown = markdown.replace("](README.md#quick-start)", "](getting-started.md)")
    return re.sub(r"\]\(README\.md(#[^)]*)?\)", r"](index.md)", markdown)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the repository files of `ROOT_PAGES` as pages."""
    from mkdocs.structure.files import File

    for name, page in ROOT_PAGES.items():
        text = root_page((ROOT / name).read_text(encoding="utf-8"))
        files.append(File.generated(config, page, content=text))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Expand the generated parts of every page."""
    return expand(markdown)
