"""The `ivr-prompts` group and the options its commands share."""

from __future__ import annotations

from pathlib import Path

import click

from .. import __version__
from ..kinds import FORMATS
from .output import setup_logging

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=True),
    default=None,
    help="prompts.toml to use (default: ./prompts.toml).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print a JSON report on stdout.")
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output for people (text) or machines (json, GitHub annotations, JUnit XML).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ivr-prompts")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Build telephony-ready IVR prompt sets from prompts.toml and templates/."""
    setup_logging(verbose)
