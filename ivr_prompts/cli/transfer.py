"""Commands that bring existing prompt sets in: import."""

from __future__ import annotations

from pathlib import Path

import click

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
    cfg = importers.load_project(config_path)
    result = importers.import_files(cfg, files, locale)
    for inventory, entry in result.non_speech:
        where = f"{importers.shown(inventory.path)}:{entry.line}"
        click.echo(f"{where}: {entry.id}: not imported: {entry.reason}")
    counts: dict[str, int] = {}
    for _, _, code in result.added:
        counts[code] = counts.get(code, 0) + 1
    added = ", ".join(f"{n} [{code}]" for code, n in counts.items()) or "nothing"
    silence = sum(1 for _, entry, _ in result.added if entry.kind == "silence")
    of_them = f" ({silence} of them silence)" if silence else ""
    click.echo(f"imported {added}{of_them} into {cfg.path.name}")
