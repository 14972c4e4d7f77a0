"""The two commands CI runs on every push: build and check.

Each first asks whether nothing changed (the build's fingerprint, check's memo), importing only
what that question needs; the machinery (numpy, asyncio, Jinja, the engines, rich) is imported
below that answer, only when there is work to do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .. import config as config_mod
from .. import report
from ..errors import BuildFailed, ConfigError, ShardFailed
from ..flow.check_memo import CheckResult, recall
from ..flow.fingerprint import answer_noop
from ..flow.options import BuildOptions
from ..flow.outcome import BuildReport
from ..kinds import Format
from ..plugins import ENGINE_NAMES
from . import output
from .app import config_option, format_option, json_option, main, remote_options
from .output import boundary, emit


@main.command()
@config_option
@click.option(
    "--only",
    multiple=True,
    metavar="PATTERN",
    help="Rebuild only ids matching this glob (repeatable); the rest stay as published.",
)
@click.option(
    "--locale",
    "locales",
    multiple=True,
    metavar="CODE",
    help="Rebuild only this locale (repeatable).",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINE_NAMES),
    default=None,
    help="Use this engine for every prompt ('local': offline, no key).",
)
@click.option(
    "--verify-upload",
    is_flag=True,
    help="Ask the bucket (and Connect) again even when the last upload of this very set was "
    "recorded; without it a no-op build makes no request.",
)
@click.option(
    "--shard",
    metavar="K/N",
    default=None,
    help="Synthesize and cache only share K of N of this build's syntheses (a CI matrix, a "
    "Kubernetes Indexed Job) and publish nothing; a plain build after the N shards publishes "
    "with none. Needs a project.remote_cache this job can write; every shard and the final "
    "build must be given the same --only, --locale and --engine.",
)
@remote_options
@json_option
@boundary
def build(
    config_path: Path | None,
    only: tuple[str, ...],
    locales: tuple[str, ...],
    engine: str | None,
    verify_upload: bool,
    shard: str | None,
    no_remote: bool,
    remote_read_only: bool,
    as_json: bool,
) -> None:
    """Render, synthesize, process, validate and publish the prompt set.

    \b
    Exit codes:
      0  published, or nothing needed publishing (--shard: its share is in the shared cache)
      1  nothing was published (a prompt failed, or the output cannot be written)
      2  usage or configuration error, or an engine that cannot run
      3  when the set was published but an export after it (archive, upload, Connect)
         failed: "published; upload failed: ..."; the next build retries it
      130  interrupted
    """
    if shard is not None:
        _shard(config_path, shard, only, locales, engine, no_remote, remote_read_only, as_json)
        return
    cfg = config_mod.load(config_path)
    options = BuildOptions(only=only, locales=locales, engine=engine)
    noop = answer_noop(cfg, options, verify_exports=verify_upload)
    if noop is not None:
        _show_build(noop, cfg, as_json)
        return
    result = _build(cfg, options, remote=not no_remote, read_only=remote_read_only, quiet=as_json)
    _show_build(result, cfg, as_json)


def _build(
    cfg: config_mod.Config, options: BuildOptions, *, remote: bool, read_only: bool, quiet: bool
) -> BuildReport:
    """The whole build: everything it needs is imported here, once it is known to be needed."""
    import asyncio

    from ..cache import open_cache
    from ..export.failure import ExportFailed
    from ..flow import build as builder
    from . import malloc, show

    malloc.tune()
    store = open_cache(cfg.project, remote=remote, read_only=read_only)
    try:
        with show.progress(not quiet and show.err.is_terminal) as progress:
            return asyncio.run(builder.build(cfg, options, progress=progress, store=store))
    except BuildFailed as exc:
        if quiet:
            click.echo(json.dumps({"published": False, "failures": exc.failures}, indent=2))
        raise
    except ExportFailed as exc:
        if quiet:
            shown = {"published": True, "export_failed": exc.step, "error": exc.message}
            click.echo(json.dumps(shown, indent=2))
        raise


def _shard(
    config_path: Path | None,
    spec: str,
    only: tuple[str, ...],
    locales: tuple[str, ...],
    engine: str | None,
    no_remote: bool,
    read_only: bool,
    as_json: bool,
) -> None:
    """`build --shard K/N`: this job's share of the syntheses, into the shared cache."""
    import asyncio

    from ..cache import open_cache
    from ..flow import shard as sharding
    from . import malloc, show

    shard = sharding.Shard.parse(spec)  # before anything is read, started or billed
    cfg = config_mod.load(config_path)
    options = BuildOptions(only=only, locales=locales, engine=engine)
    malloc.tune()
    store = open_cache(cfg.project, remote=not no_remote, read_only=read_only, required=True)
    try:
        with show.progress(not as_json and show.err.is_terminal) as progress:
            run = sharding.run_shard(cfg, shard, options, store=store, progress=progress)
            done = asyncio.run(run)
    except ShardFailed as exc:
        if as_json:
            click.echo(json.dumps({"shard": spec, "failures": exc.failures}, indent=2))
        raise
    if as_json:
        click.echo(json.dumps(output.shard_json(done), indent=2))
    else:
        click.echo(output.shard_line(done))


def _show_build(result: BuildReport, cfg: config_mod.Config, as_json: bool) -> None:
    try:
        if as_json:
            shown = output.build_json(result, cfg.project.output)
            click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
        else:
            from . import show  # rich, for the table

            show.print_build(result, cfg.project.output)
    except KeyboardInterrupt:
        done = "the new set was published" if result.published else "nothing needed publishing"
        click.echo(f"interrupted: {done} ({cfg.project.output})", err=True)
        sys.exit(130)


@main.command()
@config_option
@remote_options
@format_option
@boundary
def check(config_path: Path | None, no_remote: bool, remote_read_only: bool, fmt: Format) -> None:
    """Lint sources and compare them with the published set (no synthesis).

    Exit 0 when clean, 1 with findings (warnings alone do not fail), 2 when it cannot run.
    Findings are remembered: a check of unchanged sources and an untouched set answers from
    them without planning.
    """
    result = _recalled(config_path)
    if result is None:
        from ..flow.check import run_check
        from . import malloc

        malloc.tune()
        result = run_check(config_path, remote=not no_remote, remote_read_only=remote_read_only)
    emit(report.render(result.issues, fmt, suite="ivr-prompts check", subjects=result.subjects))
    if fmt == "text" and not result.issues:
        click.echo(f"ok: {len(result.subjects)} prompt(s) match the published set")
    elif fmt == "text":
        click.echo(output.check_counts(result.issues, len(result.subjects)))
    sys.exit(1 if result.failed else 0)


def _recalled(config_path: Path | None) -> CheckResult | None:
    """What the last check found, when nothing it looked at has changed since."""
    try:
        cfg = config_mod.load(config_path)
    except ConfigError:
        return None  # the checker reports each problem, with its place
    return recall(cfg)
