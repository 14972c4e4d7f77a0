"""The `genesys` target: flat `genesys/<name>_<lang>.wav` files and the bulk import CSV (the
layout itself lives in export/genesys.py), under Genesys's naming rule."""

from __future__ import annotations

from collections.abc import Iterable

from ...config import Config, LocaleConfig
from ...export import genesys
from ...export.names import name_problems
from ...kinds import FileFormat, ProfileName
from .base import Records, TargetDefaults


class Genesys(TargetDefaults):
    name = "genesys"
    index_pattern = r"genesys/[^/]+\.csv"

    def files(
        self, config: Config, prompt_id: str, locale: LocaleConfig
    ) -> list[tuple[str, FileFormat]]:
        return genesys.planned(config, prompt_id, locale)

    def indexes(self, config: Config, records: Records) -> dict[str, str]:
        return genesys.index_files(config, records)

    def index_paths(self, config: Config, locale: LocaleConfig) -> set[str]:
        return {genesys.CSV_NAME}

    def profiles(self, config: Config) -> tuple[ProfileName, ...]:
        return ("genesys",)

    def name_problems(self, config: Config, prompt_ids: Iterable[str]) -> list[str]:
        return name_problems(prompt_ids, config.path.name)


TARGET = Genesys()
