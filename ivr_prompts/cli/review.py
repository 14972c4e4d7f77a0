"""The review command: one static page to hear the built set beside the set it replaced."""

from __future__ import annotations

from pathlib import Path

import click

from .. import config as config_mod
from ..review.write import write_review
from .app import config_option, main
from .output import boundary


@main.command("review")
@config_option
@click.option(
    "--against",
    default=None,
    metavar="PATH|GIT_REF",
    help="Published folder or git ref to compare with (default: what the last build replaced).",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Page to write (default: review.html beside prompts.toml).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing --out file that is not an earlier review page "
    "(never a file of the project).",
)
@click.option("--open", "open_page", is_flag=True, help="Open the page in the browser.")
@boundary
def review_cmd(
    config_path: Path | None,
    against: str | None,
    out_path: Path | None,
    force: bool,
    open_page: bool,
) -> None:
    """Write a static HTML page to hear and compare every prompt of the built set."""
    result = write_review(config_mod.load(config_path), against, out_path, force=force)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts.items()))
    folder = f" + {result.folder}/" if result.folder else ""
    click.echo(f"wrote {result.path}{folder} ({result.total_bytes / 1e6:.1f} MB): {counts}")
    if open_page:
        click.launch(result.path.as_uri())
