"""The `ivr-prompts` group and the options its commands share."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from .. import __version__
from ..kinds import FORMATS
from . import redact
from .output import setup_logging

P = ParamSpec("P")
R = TypeVar("R")


def _remember_key(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """The key the project names is a secret before anything of the project is read."""
    redact.remember_configured(value)
    return value


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=True),
    default=None,
    callback=_remember_key,
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


# Each command's module, imported when the command is asked for (or listed by --help): a no-op
# `build` then pays for its own imports only, not for every command's.
COMMANDS: Mapping[str, str] = {
    "build": "build",
    "check": "build",
    "render": "project",
    "plan": "project",
    "validate": "project",
    "review": "review",
    "import": "transfer",
    "voices": "waves",
    "dicts": "waves",
}


_VERBOSE = re.compile(r"-v+|--verbose")


def hoist_verbose(args: Sequence[str]) -> list[str]:
    """`-v`, `-vv`, `--verbose` moved in front of the subcommand, wherever they were typed
    (up to a `--`): `ivr-prompts build -v` is `ivr-prompts -v build`."""
    end = args.index("--") if "--" in args else len(args)
    verbose = [a for a in args[:end] if _VERBOSE.fullmatch(a)]
    rest = [a for a in args[:end] if not _VERBOSE.fullmatch(a)]
    return [*verbose, *rest, *args[end:]]


class Commands(click.Group):
    """A group whose commands register themselves when their module (`COMMANDS`) is imported;
    -v counts wherever it stands on the command line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_verbose(args))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"{__package__}.{COMMANDS[cmd_name]}")
        return self.commands.get(cmd_name)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ivr-prompts")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="More log output (-v info, -vv debug); anywhere on the command line.",
)
def main(verbose: int) -> None:
    """Build telephony-ready IVR prompt sets from prompts.toml and templates/."""
    redact.install()
    setup_logging(verbose)
