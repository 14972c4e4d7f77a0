"""Commands on the Waves account: voices, and dicts sync/list/prune."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .. import config as config_mod
from ..config import WavesSettings
from ..engines.waves import catalog as cached_catalog
from ..engines.waves import dicts, lock
from ..engines.waves import voices as voice_catalog
from ..engines.waves.guard import secret_problems
from ..errors import ConfigError, UsageError
from ..flow import selection
from ..text.lexicon import Lexicon
from . import output, show
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
    settings: WavesSettings,
    call: Callable[[WavesClient], Coroutine[Any, Any, T]],
    cfg: config_mod.Config | None = None,
    lexicons: Mapping[str, Lexicon] | None = None,
) -> T:
    """Run `call` with a client; a project holding the key is refused before any request."""
    from ..engines.waves.client import WavesClient  # httpx only for Waves commands
    from ..engines.waves.routes import api_key_from_env

    key = api_key_from_env(settings)
    problems = secret_problems(cfg, lexicons or {}) if cfg else []
    if problems:
        raise ConfigError(problems)

    async def run() -> T:
        async with WavesClient(settings, key) as client:
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
    raw = _with_client(settings, lambda client: client.list_voices(), cfg)
    if cfg is not None:  # plan, check and build check the project's voices against this copy
        cached_catalog.save(cfg.project.cache, settings, raw, time.time())
    catalog = voice_catalog.filter_voices([voice_catalog.parse_voice(v) for v in raw])
    shown = voice_catalog.filter_voices(catalog, language=language, gender=gender, accent=accent)
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(v) for v in shown], indent=2))
    else:
        columns = ("voice id", "name", "languages", "accent", "gender")
        rows = [
            (v.voice_id, v.display_name, ", ".join(v.languages), v.accent or "", v.gender or "")
            for v in shown
        ]
        show.table(columns, rows)
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
    lexicons = selection.load_lexicons(cfg)
    ids = _with_client(
        cfg.waves,
        lambda client: dicts.sync_dictionaries(client, lexicons, cfg.lock_path, complete=True),
        cfg,
        lexicons,
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
    remote = _with_client(settings, dicts.list_remote, cfg)
    recorded = (lock.load_lock(cfg.lock_path) if cfg else None) or lock.Lock()
    used = {e["id"]: code for code, e in recorded.entries.items()}
    if as_json:
        click.echo(json.dumps(remote, indent=2, ensure_ascii=False))
        return
    for d in remote:
        owner = used.get(d["id"]) or (
            "unused, created by this project (`dicts prune --yes` deletes it)"
            if d["id"] in recorded.created
            else "not in the lock file"
        )
        click.echo(f"{d['id']}  {len(d.get('items', []))} word(s)  {owner}")


@dicts_group.command("prune")
@config_option
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@click.option("--yes", is_flag=True, help="Delete them (prune never prompts).")
@boundary
def dicts_prune(config_path: Path | None, dry_run: bool, yes: bool) -> None:
    """Delete remote dictionaries this project created (per the lock file) and no longer uses.

    Without --yes (or with --dry-run) nothing is deleted and the list is printed; without --yes
    the command then exits 2.
    """
    cfg = config_mod.load(config_path)
    delete = yes and not dry_run
    doomed = _with_client(
        cfg.waves, lambda client: dicts.prune(client, cfg.lock_path, dry_run=not delete), cfg
    )
    if not doomed:
        click.echo("nothing to delete: every dictionary this project created is still in use")
        return
    verb = "deleted" if delete else "would delete"
    for dict_id in doomed:
        click.echo(f"{verb} {dict_id}")
    click.echo(f"{verb} {len(doomed)} dictionary(ies)")
    if not yes and not dry_run:
        raise UsageError(
            "nothing was deleted: run `ivr-prompts dicts prune --yes` to delete these "
            f"{len(doomed)} dictionary(ies)"
        )
