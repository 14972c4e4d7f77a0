"""Commands on a prompt set that look without building: render, plan, validate."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

from .. import config as config_mod
from .. import report, validate
from ..cache import open_cache
from ..engines.registry import Engines
from ..errors import Problem
from ..flow import plan as planner
from ..flow import selection
from ..flow.check import plan_issues
from ..flow.options import BuildOptions
from ..kinds import PROFILE_NAMES, Format, ProfileName
from ..plugins import ENGINE_NAMES
from ..publish.verify import published_sets
from . import malloc, output, show
from .app import config_option, format_option, json_option, main, remote_options
from .output import boundary, emit


@main.command("render")
@config_option
@click.option(
    "--only", multiple=True, metavar="PATTERN", help="Show only prompt ids matching this glob."
)
@click.option("--locale", "locales", multiple=True, metavar="CODE", help="Show only this locale.")
@json_option
@boundary
def render_cmd(
    config_path: Path | None, only: tuple[str, ...], locales: tuple[str, ...], as_json: bool
) -> None:
    """Show each prompt's transcript and what is spoken: verbalized, after the pronunciation
    dictionary, with its pauses."""
    cfg = config_mod.load(config_path)
    rows = selection.review(cfg, BuildOptions(only=only, locales=locales))
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(
            f"{click.style(row['id'] + ' [' + row['locale'] + ']', bold=True)} ({row['source']})"
        )
        click.echo(f"  text:   {row['text']}")
        spoken = output.spoken_line(row)
        if spoken != row["text"]:
            click.echo(f"  spoken: {spoken}")


@main.command()
@config_option
@click.option(
    "--engine", type=click.Choice(ENGINE_NAMES), default=None, help="Plan for this engine."
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there is nothing to do, 2 when a build would change something, 1 on error.",
)
@remote_options
@format_option
def plan(
    config_path: Path | None,
    engine: str | None,
    detailed_exitcode: bool,
    no_remote: bool,
    remote_read_only: bool,
    fmt: Format,
) -> None:
    """Show what a build would synthesize (and bill), reuse from cache, and remove."""
    try:
        changes = _plan(config_path, engine, fmt, remote=not no_remote)
    except SystemExit as exc:
        # terraform's convention: with --detailed-exitcode every error is 1.
        if detailed_exitcode and exc.code not in (0, None):
            sys.exit(1)
        raise
    sys.exit(2 if detailed_exitcode and changes else 0)


@boundary
def _plan(config_path: Path | None, engine: str | None, fmt: Format, *, remote: bool) -> bool:
    cfg = config_mod.load(config_path)
    options = BuildOptions(engine=engine)
    store = open_cache(cfg.project, remote=remote, read_only=True)  # a plan writes nothing
    try:
        the_plan = planner.make_plan(cfg, options, Engines(cfg), store)
    finally:
        store.close()
    issues, subjects = plan_issues(the_plan)
    if fmt == "text":
        for warning in the_plan.warnings:
            output.warn(warning.text())
    else:
        issues = [*the_plan.warnings, *issues]
    if fmt == "json":
        click.echo(json.dumps(output.plan_json(the_plan), indent=2, ensure_ascii=False))
    elif fmt != "text":
        emit(report.render(issues, fmt, suite="ivr-prompts plan", subjects=subjects))
    else:
        show.print_plan(the_plan, [(i.code, i.subject, i.text()) for i in issues])
    return bool(issues)


def _finite(value: float | None) -> float | None:
    # click's FloatRange lets NaN through (every comparison with NaN is false).
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a level; give dBov, e.g. --level -26")
    return value


@main.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--profile", type=click.Choice(PROFILE_NAMES), default=None, help="Platform rules to apply."
)
@click.option(
    "--level",
    "level_dbov",
    type=click.FloatRange(-100.0, 0.0),
    callback=lambda _ctx, _param, value: _finite(value),
    default=None,
    help="Expected active speech level (dBov); default: not checked.",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@format_option
@boundary
def validate_cmd(
    paths: tuple[Path, ...],
    profile: ProfileName | None,
    level_dbov: float | None,
    strict: bool,
    fmt: Format,
) -> None:
    """Check any prompt files (ours or studio recordings) against a platform's rules.

    WAV (PCM, G.711) and raw .ulaw/.alaw/.sln files; other formats through ffmpeg when installed.
    Exit 0 when every file passes, 1 with errors (or warnings with --strict), 2 when no audio
    file is found.
    """
    malloc.tune()
    files = validate.require_audio(list(paths))
    sources = {"level_dbov": "--level"} if level_dbov is not None else {}
    rules = validate.Rules(level_dbov=level_dbov, sources=sources)
    layout = published_sets(list(paths))
    outcome = validate.validate_all(list(paths), profile, rules, layout=layout)
    findings = outcome.findings
    issues = [Problem(f.message, file=f.path, severity=f.severity, code=f.check) for f in findings]
    subjects = [str(f) for f in files]
    emit(report.render(issues, fmt, suite="ivr-prompts validate", subjects=subjects))
    if fmt == "text":
        click.echo(_validate_summary(outcome))
    failing = ("error", "warning") if strict else ("error",)
    sys.exit(1 if any(f.severity in failing for f in findings) else 0)


def _validate_summary(outcome: validate.Outcome) -> str:
    """One line: how many files were judged, and how many were not and why."""
    parts = [f"{outcome.checked} audio file(s) checked, {outcome.checked - outcome.failed} pass"]
    if outcome.indexes:
        parts.append(f"{outcome.indexes} index file(s) of the published set (not audio)")
    if outcome.not_judged:
        parts.append(f"{outcome.not_judged} file(s) not judged (listed above)")
    clean = not any(f.severity == "error" for f in outcome.findings)
    return ("ok: " if clean else "") + "; ".join(parts)
