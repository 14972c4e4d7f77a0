"""Commands on the Waves account: voices, and dicts sync/list/prune."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .. import config as config_mod
from .. import plan as planner
from ..config import WavesSettings
from ..engines.waves import dicts, lock
from ..engines.waves import voices as voice_catalog
from . import output
from .app import config_option, json_option, main
from .output import boundary

if TYPE_CHECKING:
    from ..engines.waves.client import WavesClient

T = TypeVar("T")


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
    from ..engines.waves.client import WavesClient  # httpx only for Waves commands
    from ..engines.waves.routes import api_key_from_env

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
@boundary
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
        columns = ("voice id", "name", "languages", "accent", "gender")
        rows = [
            (v.voice_id, v.display_name, ", ".join(v.languages), v.accent or "", v.gender or "")
            for v in shown
        ]
        output.table(columns, rows)
    for warning in voice_catalog.voice_language_warnings(cfg, catalog) if cfg else []:
        output.warn(warning)


@main.group("dicts")
def dicts_group() -> None:
    """Pronunciation dictionaries on the Waves API (the files in the repo are the source)."""


@dicts_group.command("sync")
@config_option
@boundary
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
@boundary
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
@boundary
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
