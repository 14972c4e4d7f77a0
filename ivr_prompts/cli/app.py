"""The `ivr-prompts` group and the options its commands share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from .. import __version__
from ..kinds import FORMATS
from .output import setup_logging

P = ParamSpec("P")
R = TypeVar("R")

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


def remote_options(func: Callable[P, R]) -> Callable[P, R]:
    """--no-remote and --remote-read-only, for the commands that read the cache."""
    func = click.option(
        "--remote-read-only",
        is_flag=True,
        help="Read project.remote_cache but never write to it (untrusted CI jobs).",
    )(func)
    return click.option("--no-remote", is_flag=True, help="Never contact project.remote_cache.")(
        func
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ivr-prompts")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Build telephony-ready IVR prompt sets from prompts.toml and templates/."""
    setup_logging(verbose)
