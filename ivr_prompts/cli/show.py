"""What the CLI draws with rich: tables and the build's progress bar (imported only by the
commands that draw, so a no-op `build --json` and `check` never load rich)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..flow.outcome import BuildReport

if TYPE_CHECKING:
    from ..flow import plan as planner
    from ..flow import speak

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


@contextmanager
def progress(enabled: bool) -> Iterator[speak.Progress]:
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


def print_build(report: BuildReport, where: Path) -> None:
    counts = report.counts
    columns = ("locale", "engine", "prompts", "synthesized", "from cache", "unchanged")
    table(columns, [tuple(map(str, row)) for row in counts.rows], numbers_from=2)
    if report.published:
        removed = f", removed {len(counts.removed)}" if counts.removed else ""
        click.echo(f"published {report.prompts} prompt(s) to {where}{removed}")
    else:
        click.echo(f"up to date: {where} already holds this set")
    if report.usage is not None and report.usage.requests:
        click.echo(report.usage.summary())
    for line in report.exports.summary() if report.exports else []:
        click.echo(line)


def print_plan(the_plan: planner.Plan, lines: list[tuple[str, str, str]]) -> None:
    for code, subject, message in lines:
        click.echo(f"  {code:<10} {subject}: {message}")
    counts = {a: the_plan.count(a) for a in ("synthesize", "process", "cached", "reuse")}
    made = the_plan.count("generate")
    generate = f", {made} to generate (silence, no engine)" if made else ""
    click.echo(
        f"plan: {counts['synthesize']} to synthesize ({the_plan.billed_chars} characters billed "
        f"by Waves){generate}, {counts['process'] + counts['cached']} from cache, "
        f"{counts['reuse']} unchanged, {len(the_plan.removed)} to remove"
    )
    from ..flow.plan_usage import planned_usage  # only when a plan was made (numpy)

    waves = planned_usage(the_plan)
    if waves is not None and waves.requests:
        click.echo(waves.summary())
