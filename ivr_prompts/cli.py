"""The command line: parse options, call one library function, print, map errors to exit codes."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from . import __version__, report, validate
from . import build as builder
from . import config as config_mod
from . import plan as planner
from .check import plan_issues, run_check
from .config import WavesSettings
from .engines.registry import Engines
from .engines.waves import dicts, lock
from .engines.waves import voices as voice_catalog
from .errors import BuildFailed, IvrPromptsError
from .kinds import ENGINE_NAMES, FORMATS, PROFILE_NAMES, Format, ProfileName

if TYPE_CHECKING:
    from .engines.waves.client import WavesClient

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


class _Redact(logging.Filter):
    """Defence in depth: no log line may carry an API key, whatever a library logs."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "<hidden>")
            record.msg, record.args = message, None
        return True


class _Formatter(logging.Formatter):
    """Warnings read like the CLI's own lines; -v adds the level and logger name to the rest."""

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno == logging.WARNING:
            return f"warning: {record.getMessage()}"
        return f"{record.levelname.lower()} {record.name}: {record.getMessage()}"


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    handler.addFilter(_Redact([v for k, v in os.environ.items() if "API_KEY" in k]))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if verbose < 3:  # httpx logs every request at INFO
        logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
        logging.getLogger("httpcore").setLevel(max(level, logging.WARNING))


def _boundary(func: Callable[P, R]) -> Callable[P, R]:
    """Known errors print one line each and exit with their code; bugs keep their traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except IvrPromptsError as exc:
            for line in exc.lines():
                err.print(Text.assemble(("error: ", "red"), line))
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            err.print("interrupted: finished prompts are cached; nothing was published")
            sys.exit(130)

    return wrapper


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=True),
    default=None,
    help="prompts.toml to use (default: ./prompts.toml).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print a JSON report on stdout.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ivr-prompts")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """Build telephony-ready IVR prompt sets from prompts.toml and templates/."""
    _setup_logging(verbose)


@contextmanager
def _progress(enabled: bool) -> Iterator[builder.Progress]:
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
@json_option
@_boundary
def build(
    config_path: Path | None,
    only: tuple[str, ...],
    locales: tuple[str, ...],
    engine: str | None,
    as_json: bool,
) -> None:
    """Render, synthesize, process, validate and publish the prompt set."""
    cfg = config_mod.load(config_path)
    options = planner.BuildOptions(only=only, locales=locales, engine=engine)  # type: ignore[arg-type]
    try:
        with _progress(not as_json and err.is_terminal) as progress:
            report = asyncio.run(builder.build(cfg, options, progress=progress))
    except BuildFailed as exc:
        if as_json:
            click.echo(json.dumps({"published": False, "failures": exc.failures}, indent=2))
        raise
    if as_json:
        out.print_json(json.dumps(_build_json(report)))
    else:
        _print_build(report)


def _build_json(report: builder.BuildReport) -> dict[str, Any]:
    plan = report.plan
    return {
        "output": str(plan.config.project.output),
        "pairs": len(plan.pairs),
        "synthesized": report.synthesized,
        "processed": report.processed,
        "from_cache": plan.count("cached"),
        "reused": plan.count("reuse"),
        "kept": plan.count("keep"),
        "removed": [f"{i} [{loc}]" for i, loc in plan.removed],
        "published": report.published,
        "failures": report.failures,
    }


def _print_build(report: builder.BuildReport) -> None:
    plan = report.plan
    table = Table(title=None, show_header=True, header_style="bold")
    table.add_column("locale")
    table.add_column("engine")
    table.add_column("prompts", justify="right")
    table.add_column("synthesized", justify="right")
    table.add_column("from cache", justify="right")
    table.add_column("unchanged", justify="right")
    rows: dict[tuple[str, str], list[int]] = {}
    for pair in plan.pairs:
        row = rows.setdefault((pair.locale.code, pair.engine), [0, 0, 0, 0])
        row[0] += 1
        row[1] += pair.action == "synthesize"
        row[2] += pair.action in ("cached", "process")
        row[3] += pair.action in ("reuse", "keep")
    for (code, engine), (n, synth, cached, same) in sorted(rows.items()):
        table.add_row(code, engine, str(n), str(synth), str(cached), str(same))
    out.print(table)
    where = plan.config.project.output
    if report.published and report.manifest is not None:
        removed = f", removed {len(plan.removed)}" if plan.removed else ""
        out.print(f"published {len(report.manifest['prompts'])} prompt(s) to {where}{removed}")
    else:
        out.print(f"up to date: {where} already holds this set")


@main.command("render")
@config_option
@click.option(
    "--only", multiple=True, metavar="PATTERN", help="Show only prompt ids matching this glob."
)
@click.option("--locale", "locales", multiple=True, metavar="CODE", help="Show only this locale.")
@json_option
@_boundary
def render_cmd(
    config_path: Path | None, only: tuple[str, ...], locales: tuple[str, ...], as_json: bool
) -> None:
    """Show each prompt's text, before and after the pronunciation dictionary."""
    cfg = config_mod.load(config_path)
    rows = planner.review(cfg, planner.BuildOptions(only=only, locales=locales))
    if as_json:
        out.print_json(json.dumps(rows))
        return
    for row in rows:
        head = escape(f"{row['id']} [{row['locale']}]")
        out.print(f"[bold]{head}[/bold] ({escape(row['source'])})")
        out.print(f"  text:   {row['text']}", markup=False)
        if row["spoken_text"] != row["text"]:
            out.print(f"  spoken: {row['spoken_text']}", markup=False)


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output for people (text) or machines (json, GitHub annotations, JUnit XML).",
)


def _emit(text: str) -> None:
    if text:
        click.echo(text)


@main.command()
@config_option
@format_option
@_boundary
def check(config_path: Path | None, fmt: Format) -> None:
    """Lint sources and compare them with the published set (no synthesis, no network).

    Exit 0 when clean, 1 with findings (warnings alone do not fail), 2 when it cannot run.
    """
    result = run_check(config_path)
    _emit(report.render(result.issues, fmt, suite="ivr-prompts check", subjects=result.subjects))
    if fmt == "text" and not result.issues:
        click.echo(f"ok: {len(result.subjects)} prompt(s) match the published set")
    sys.exit(1 if result.failed else 0)


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
@format_option
def plan(
    config_path: Path | None, engine: str | None, detailed_exitcode: bool, fmt: Format
) -> None:
    """Show what a build would synthesize (and bill), reuse from cache, and remove."""
    try:
        changes = _plan(config_path, engine, fmt)
    except SystemExit as exc:
        # terraform's convention: with --detailed-exitcode every error is 1.
        if detailed_exitcode and exc.code not in (0, None):
            sys.exit(1)
        raise
    sys.exit(2 if detailed_exitcode and changes else 0)


@_boundary
def _plan(config_path: Path | None, engine: str | None, fmt: Format) -> bool:
    cfg = config_mod.load(config_path)
    options = planner.BuildOptions(engine=engine)  # type: ignore[arg-type]
    the_plan = planner.make_plan(cfg, options, Engines(cfg))
    issues, subjects = plan_issues(the_plan)
    changes = bool(issues)
    if fmt == "json":
        click.echo(json.dumps(_plan_json(the_plan), indent=2, ensure_ascii=False))
        return changes
    if fmt != "text":
        _emit(report.render(issues, fmt, suite="ivr-prompts plan", subjects=subjects))
        return changes
    for issue in issues:
        click.echo(f"  {issue.code:<10} {issue.subject}: {issue.message}")
    counts = {a: the_plan.count(a) for a in ("synthesize", "process", "cached", "reuse")}
    click.echo(
        f"plan: {counts['synthesize']} to synthesize ({the_plan.billed_chars} characters billed "
        f"by Waves), {counts['process'] + counts['cached']} from cache, "
        f"{counts['reuse']} unchanged, {len(the_plan.removed)} to remove"
    )
    return changes


def _plan_json(the_plan: planner.Plan) -> dict[str, Any]:
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
            }
            for p in the_plan.pairs
        ],
        "remove": [{"id": i, "locale": loc} for i, loc in the_plan.removed],
        "billed_characters": the_plan.billed_chars,
    }


@main.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--profile", type=click.Choice(PROFILE_NAMES), default=None, help="Platform rules to apply."
)
@click.option(
    "--level",
    "level_dbov",
    type=float,
    default=None,
    help="Expected active speech level (dBov); default: not checked.",
)
@format_option
@_boundary
def validate_cmd(
    paths: tuple[Path, ...],
    profile: ProfileName | None,
    level_dbov: float | None,
    fmt: Format,
) -> None:
    """Check any prompt files (ours or studio recordings) against a platform's rules.

    WAV (PCM, G.711) and raw .ulaw/.alaw/.sln files; other formats through ffmpeg when installed.
    Exit 0 when every file passes, 1 with errors.
    """
    rules = validate.Rules(level_dbov=level_dbov)
    findings = validate.validate_paths(list(paths), profile, rules)
    issues = [report.Issue(f.path, 0, f.severity, f.check, f.path, f.message) for f in findings]
    files, _ = validate.audio_files(list(paths))
    _emit(
        report.render(issues, fmt, suite="ivr-prompts validate", subjects=[str(f) for f in files])
    )
    if fmt == "text" and not issues:
        click.echo(f"ok: {len(files)} file(s) pass")
    sys.exit(1 if any(f.severity == "error" for f in findings) else 0)


def _waves_settings(config_path: Path | None) -> tuple[config_mod.Config | None, WavesSettings]:
    """The project's [waves] settings, or the defaults outside a project."""
    path = config_path or Path(config_mod.DEFAULT_FILE)
    if config_path is None and not path.exists():
        return None, WavesSettings()
    cfg = config_mod.load(path)
    return cfg, cfg.waves


def _with_client(
    settings: WavesSettings, call: Callable[[WavesClient], Coroutine[Any, Any, T]]
) -> T:
    from .engines.waves.client import WavesClient  # httpx only for Waves commands
    from .engines.waves.routes import api_key_from_env

    async def run() -> T:
        async with WavesClient(settings, api_key_from_env(settings)) as client:
            return await call(client)

    return asyncio.run(run())


@main.command()
@config_option
@click.option("--language", default=None, help="Only voices speaking this language (code or name).")
@click.option("--gender", default=None, help="Only voices of this gender.")
@click.option("--accent", default=None, help="Only voices with this accent.")
@json_option
@_boundary
def voices(
    config_path: Path | None,
    language: str | None,
    gender: str | None,
    accent: str | None,
    as_json: bool,
) -> None:
    """List the Waves voice catalog; warn about locales whose voice lacks their language."""
    cfg, settings = _waves_settings(config_path)
    catalog = _with_client(settings, voice_catalog.list_voices)
    shown = voice_catalog.filter_voices(catalog, language=language, gender=gender, accent=accent)
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(v) for v in shown], indent=2))
    else:
        table = Table(show_header=True, header_style="bold")
        for column in ("voice id", "name", "languages", "accent", "gender"):
            table.add_column(column)
        for v in shown:
            table.add_row(v.voice_id, v.display_name, ", ".join(v.languages), v.accent, v.gender)
        out.print(table)
    for warning in voice_catalog.voice_language_warnings(cfg, catalog) if cfg else []:
        err.print(Text.assemble(("warning: ", "yellow"), warning))


@main.group("dicts")
def dicts_group() -> None:
    """Pronunciation dictionaries on the Waves API (the files in the repo are the source)."""


@dicts_group.command("sync")
@config_option
@_boundary
def dicts_sync(config_path: Path | None) -> None:
    """Create or update each locale's remote dictionary and record its id in the lock file."""
    cfg = config_mod.load(config_path)
    lexicons = {c: lx for c, lx in planner.load_lexicons(cfg).items() if lx.entries}
    ids = _with_client(
        cfg.waves, lambda client: dicts.sync_dictionaries(client, lexicons, cfg.lock_path)
    )
    for code, dict_id in sorted(ids.items()):
        click.echo(f"{code}: {dict_id}")
    click.echo(f"lock file: {cfg.lock_path}")


@dicts_group.command("list")
@config_option
@json_option
@_boundary
def dicts_list(config_path: Path | None, as_json: bool) -> None:
    """List the account's remote dictionaries and which locale of the lock file uses each."""
    cfg, settings = _waves_settings(config_path)
    remote = _with_client(settings, dicts.list_remote)
    used = {e["id"]: code for code, e in lock.read_lock(cfg.lock_path).items()} if cfg else {}
    if as_json:
        click.echo(json.dumps(remote, indent=2, ensure_ascii=False))
        return
    for d in remote:
        owner = used.get(d["id"], "not in the lock file")
        click.echo(f"{d['id']}  {len(d.get('items', []))} word(s)  {owner}")


@dicts_group.command("prune")
@config_option
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@_boundary
def dicts_prune(config_path: Path | None, dry_run: bool) -> None:
    """Delete remote dictionaries the lock file no longer references."""
    cfg = config_mod.load(config_path)
    doomed = _with_client(
        cfg.waves, lambda client: dicts.prune(client, cfg.lock_path, dry_run=dry_run)
    )
    verb = "would delete" if dry_run else "deleted"
    for dict_id in doomed:
        click.echo(f"{verb} {dict_id}")
    click.echo(f"{verb} {len(doomed)} dictionary(ies)")
