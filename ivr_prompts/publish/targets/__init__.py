"""Publish targets as doors: one module per target, each registered by one line in the
`ivr_prompts.targets` entry-point group (pyproject.toml), as engines are. Real exports (archive,
upload, Connect) stay in export/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ... import plugins
from .base import TargetDoor

if TYPE_CHECKING:
    from ...config import Config

__all__ = ["TargetDoor", "door", "doors"]


def door(name: str) -> TargetDoor:
    """The target registered as `name`; ConfigError naming the known targets if none is."""
    found: TargetDoor = plugins.load(plugins.TARGETS, name)
    return found


def doors(config: Config) -> Iterator[TargetDoor]:
    """The configured targets, in publish.targets order."""
    for name in config.publish.targets:
        yield door(name)
