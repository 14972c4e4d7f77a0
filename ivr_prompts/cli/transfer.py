"""Commands that bring existing prompt sets in: import."""

from __future__ import annotations

from pathlib import Path

import click

from .. import config as config_mod
from .. import importers
from .app import config_option, main
from .output import boundary


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@config_option
@click.option(
    "--locale", default=None, metavar="CODE", help="Project locale of the files (else inferred)."
)
@boundary
def import_cmd(files: tuple[Path, ...], config_path: Path | None, locale: str | None) -> None:
    """Append prompts from core-sounds-*.txt, phrase_*.xml, Genesys or id,locale,text CSVs."""
    cfg = config_mod.load(config_path)
    result = importers.import_files(cfg, files, locale)
    for inventory, entry in result.non_speech:
        click.echo(f"{inventory.path.name}:{entry.line}: {entry.id}: not spoken ({entry.text})")
    counts: dict[str, int] = {}
    for _, _, code in result.added:
        counts[code] = counts.get(code, 0) + 1
    added = ", ".join(f"{n} [{code}]" for code, n in counts.items()) or "nothing"
    click.echo(f"imported {added} into {cfg.path.name}")
