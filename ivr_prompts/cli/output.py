"""How the CLI speaks: logging, the error boundary, and the JSON it prints.

Light on purpose (click, no rich): a no-op `build --json` or `check` answers through it before
anything heavy is imported. Tables and the progress bar are in `show`.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from .. import secrets
from ..errors import IvrPromptsError, Problem
from ..flow.outcome import BuildReport

if TYPE_CHECKING:
    from ..flow import plan as planner
    from ..flow.shard import ShardReport

P = ParamSpec("P")
R = TypeVar("R")


class _Redact(logging.Filter):
    """Defence in depth: no log line may carry a secret, whatever a library logs (by value)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = secrets.redact(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


class _Formatter(logging.Formatter):
    """Warnings read like the CLI's own lines; -v adds the level and logger name to the rest."""

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno == logging.WARNING:
            return f"warning: {record.getMessage()}"
        return f"{record.levelname.lower()} {record.name}: {record.getMessage()}"


def setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    secrets.remember_environ(os.environ)
    handler.addFilter(_Redact())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if verbose < 3:  # httpx logs every request at INFO
        logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
        logging.getLogger("httpcore").setLevel(max(level, logging.WARNING))


def boundary(func: Callable[P, R]) -> Callable[P, R]:
    """Known errors print one line each and exit with their code; bugs keep their traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except IvrPromptsError as exc:
            for line in exc.lines():
                say("error", secrets.redact(line))
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: finished prompts are cached; nothing was published", err=True)
            sys.exit(130)

    return wrapper


def emit(text: str) -> None:
    if text:
        click.echo(text)


def say(level: str, line: str) -> None:
    """One line on stderr: `error: ...` in red, `warning: ...` in yellow (colour on terminals)."""
    colour = "red" if level == "error" else "yellow"
    click.echo(click.style(f"{level}: ", fg=colour) + line, err=True)


def warn(line: str) -> None:
    say("warning", secrets.redact(line))


def spoken_line(row: dict[str, Any]) -> str:
    """A prompt's spoken text with its pauses shown where they fall: "Hello. [pause 500 ms] ..."."""
    if not row["parts"]:
        return str(row["spoken_text"])
    return " ".join(
        f"[pause {p['pause_ms']} ms]" if "pause_ms" in p else str(p["say"]) for p in row["parts"]
    )


def check_counts(issues: Sequence[Problem], prompts: int) -> str:
    """The line `check` ends with: how many errors and warnings, over how many prompts."""
    errors = sum(i.severity == "error" for i in issues)
    warnings = sum(i.severity == "warning" for i in issues)
    return (
        f"check: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
        f"in {prompts} prompt(s)"
    )


def build_json(report: BuildReport, where: Path) -> dict[str, Any]:
    counts = report.counts
    return {
        "output": str(where),
        "pairs": counts.pairs,
        "synthesized": report.synthesized,
        "processed": report.processed,
        "from_cache": counts.from_cache,
        "reused": counts.reused,
        "kept": counts.kept,
        "removed": [f"{i} [{loc}]" for i, loc in counts.removed],
        "published": report.published,
        "failures": report.failures,
        **({"waves": report.usage.as_json()} if report.usage else {}),
        **(report.exports.as_json() if report.exports else {}),
    }


def shard_line(report: ShardReport) -> str:
    """The line `build --shard` ends with: its share, and what it made of it."""
    return (
        f"shard {report.shard}: {report.share} of {report.units} syntheses are this shard's; "
        f"{report.synthesized} synthesized, {report.already} already cached; nothing published"
    )


def shard_json(report: ShardReport) -> dict[str, Any]:
    return {
        "shard": str(report.shard),
        "syntheses": report.units,
        "share": report.share,
        "synthesized": report.synthesized,
        "processed": report.processed,
        "already_cached": report.already,
        "published": False,
    }


def plan_json(the_plan: planner.Plan) -> dict[str, Any]:
    from ..flow.plan_usage import planned_usage  # only when a plan was made

    return {
        "pairs": [
            {
                "id": p.rendered.id,
                "locale": p.locale.code,
                "action": p.action,
                "engine": p.engine,
                "voice": p.voice,
                "characters": p.characters,
                "cache_key": p.audio_key,
                "files": [f.path for f in p.files],
            }
            for p in the_plan.pairs
        ],
        "remove": [{"id": i, "locale": loc} for i, loc in the_plan.removed],
        "billed_characters": the_plan.billed_chars,
        **({"waves": waves.as_json()} if (waves := planned_usage(the_plan)) else {}),
    }
