"""How the CLI looks: logging, progress, the error boundary, and the tables and JSON it prints."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .. import build as builder
from .. import plan as planner
from .. import secrets
from ..cache.remote import secret_values as remote_secret_values
from ..errors import IvrPromptsError

P = ParamSpec("P")
R = TypeVar("R")

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


class _Redact(logging.Filter):
    """Defence in depth: no log line may carry a secret, whatever a library logs (by value)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = secrets.redact(message, remote_secret_values())
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
                err.print(Text.assemble(("error: ", "red"), secrets.redact(line)))
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            err.print("interrupted: finished prompts are cached; nothing was published")
            sys.exit(130)

    return wrapper


def emit(text: str) -> None:
    if text:
        click.echo(text)


def warn(line: str) -> None:
    err.print(Text.assemble(("warning: ", "yellow"), secrets.redact(line)))


@contextmanager
def progress(enabled: bool) -> Iterator[builder.Progress]:
    if not enabled:
        yield lambda event, pair: None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}"),
        console=err,
        transient=True,
    )
    task = None

    def update(event: str, pair: planner.Pair) -> None:
        nonlocal task
        if task is None:
            task = bar.add_task("building", total=None, current="")
        if event == "synthesize":
            bar.update(task, current=pair.name)
        elif event in ("done", "failed"):
            bar.advance(task)

    with bar:
        yield update


def table(columns: Sequence[str], rows: Sequence[Sequence[str]], numbers_from: int = 99) -> None:
    """A table on stdout, cells as plain text; columns from `numbers_from` on align right."""
    shown = Table(show_header=True, header_style="bold")
    for i, column in enumerate(columns):
        shown.add_column(column, justify="right" if i >= numbers_from else "left")
    for row in rows:
        shown.add_row(*(Text(cell) for cell in row))
    out.print(shown)


def build_json(report: builder.BuildReport, where: Path) -> dict[str, Any]:
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
        **(report.exports.as_json() if report.exports else {}),
    }


def print_build(report: builder.BuildReport, where: Path) -> None:
    counts = report.counts
    columns = ("locale", "engine", "prompts", "synthesized", "from cache", "unchanged")
    table(columns, [tuple(map(str, row)) for row in counts.rows], numbers_from=2)
    if report.published and report.manifest is not None:
        removed = f", removed {len(counts.removed)}" if counts.removed else ""
        click.echo(f"published {len(report.manifest['prompts'])} prompt(s) to {where}{removed}")
    else:
        click.echo(f"up to date: {where} already holds this set")
    for line in report.exports.summary() if report.exports else []:
        click.echo(line)


def plan_json(the_plan: planner.Plan) -> dict[str, Any]:
    return {
        "pairs": [
            {
                "id": p.rendered.id,
                "locale": p.locale.code,
                "action": p.action,
                "engine": p.engine,
                "voice": p.voice,
                "characters": len(p.spoken),
                "cache_key": p.audio_key,
                "files": [f.path for f in p.files],
            }
            for p in the_plan.pairs
        ],
        "remove": [{"id": i, "locale": loc} for i, loc in the_plan.removed],
        "billed_characters": the_plan.billed_chars,
    }


def print_plan(the_plan: planner.Plan, lines: list[tuple[str, str, str]]) -> None:
    for code, subject, message in lines:
        click.echo(f"  {code:<10} {subject}: {message}")
    counts = {a: the_plan.count(a) for a in ("synthesize", "process", "cached", "reuse")}
    click.echo(
        f"plan: {counts['synthesize']} to synthesize ({the_plan.billed_chars} characters billed "
        f"by Waves), {counts['process'] + counts['cached']} from cache, "
        f"{counts['reuse']} unchanged, {len(the_plan.removed)} to remove"
    )
