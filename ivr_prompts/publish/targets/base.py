"""What a publish target declares about itself: its files, indexes, name rule and profiles.

One object per target, registered in the `ivr_prompts.targets` entry-point group (our own in
pyproject.toml); `publish.layout`, `build_rules`, `plan` and `preflight` ask these objects and
never branch on a target's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ...kinds import FileFormat, ProfileName

if TYPE_CHECKING:
    from ...config import Config, LocaleConfig

Records = Sequence[Mapping[str, Any]]


class TargetDoor(Protocol):
    """A layout of the published set for one platform."""

    # The name publish.targets uses.
    name: str
    # publish.profiles apply to its files, and pre-flight checks their names by those rules.
    takes_profiles: bool
    # A regular expression matching every index path it writes (`validate` of a published set
    # tells the set's indexes from stray files by it); "" when it writes none.
    index_pattern: str

    def files(
        self, config: Config, prompt_id: str, locale: LocaleConfig
    ) -> list[tuple[str, FileFormat]]:
        """Every file one prompt x locale publishes (path under the output, format), HD
        files included when publish.hd asks for them."""
        ...

    def indexes(self, config: Config, records: Records) -> dict[str, str]:
        """Its transcript indexes of the published records (manifest order): path -> text."""
        ...

    def index_paths(self, config: Config, locale: LocaleConfig) -> set[str]:
        """Every index path `indexes` may write for the locale (reserved: no prompt goes there)."""
        ...

    def profiles(self, config: Config) -> tuple[ProfileName, ...]:
        """The platform profiles its files are validated by (none: the project's own rules)."""
        ...

    def name_problems(self, config: Config, prompt_ids: Iterable[str]) -> list[str]:
        """One line per prompt id its naming rule cannot publish."""
        ...


class TargetDefaults:
    """The answers most targets give; a target subclasses it and overrides what differs."""

    name: str
    takes_profiles = False
    index_pattern = ""

    def indexes(self, config: Config, records: Records) -> dict[str, str]:
        return {}

    def index_paths(self, config: Config, locale: LocaleConfig) -> set[str]:
        return set()

    def profiles(self, config: Config) -> tuple[ProfileName, ...]:
        return ()

    def name_problems(self, config: Config, prompt_ids: Iterable[str]) -> list[str]:
        return []


def by_locale(records: Records) -> dict[str, list[Mapping[str, Any]]]:
    """The records of each locale, in their order."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        out.setdefault(record["locale"], []).append(record)
    return out
