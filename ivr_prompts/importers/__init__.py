"""Read existing prompt inventories (Asterisk, FreeSWITCH, Genesys, plain CSV) into prompts."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path

from .. import config as config_mod
from ..config import Config
from ..errors import ConfigError, UsageError
from ..kinds import SourceFormat
from . import asterisk, freeswitch, genesys, plain_csv, writer
from .model import Entry, ImportResult, Inventory, detect, shown

__all__ = [
    "Entry",
    "ImportResult",
    "Inventory",
    "SourceFormat",
    "detect",
    "import_files",
    "load_project",
    "read",
    "shown",
]

_READERS: dict[SourceFormat, Callable[[Path, str | None], Inventory]] = {
    "asterisk": asterisk.read,
    "freeswitch": freeswitch.read,
    "genesys": genesys.read,
    "csv": plain_csv.read,
}


def read(path: Path, locale: str | None = None) -> Inventory:
    """Read one inventory file; `locale` names the language of single-language formats."""
    return _READERS[detect(path)](path, locale)


def import_files(
    config: Config, paths: Sequence[Path], locale: str | None = None, *, write: bool = True
) -> ImportResult:
    """Read every file, check all entries against the project, append them to prompts.toml.

    `locale` is a locale of the project: the language of files that do not name one, and the
    only locale taken from files that hold several. Nothing is written unless all files pass.
    """
    if locale is not None and locale not in config.locales:
        raise UsageError(
            f"--locale {locale}: not a locale of {config.path.name} "
            f"(have: {', '.join(config.locales)})"
        )
    inventories = [read(path, locale) for path in paths]
    result = writer.prepare(config, inventories, locale)
    new = writer.check(config, result)  # every problem of every file at once, or nothing
    if write and result.added:
        writer.write(config, new)
    return result


def load_project(path: Path | str | None = None) -> Config:
    """prompts.toml as `import` takes it: like config.load, but a project with locales and no
    [[prompts]] yet is fine (importing an inventory is how such a project starts)."""
    try:
        return config_mod.load(path)
    except ConfigError as exc:
        if not any("define at least one [[prompts]]" in p.message for p in exc.found):
            raise
        file = Path(path) if path is not None else Path(config_mod.DEFAULT_FILE)
        file = (file / config_mod.DEFAULT_FILE if file.is_dir() else file).resolve()
        text = file.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        if "prompts" in data:
            raise
        return config_mod.parse({**data, "prompts": []}, file, text)
