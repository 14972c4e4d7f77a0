"""What a build asked of a metered engine (Waves): characters billed, requests sent, and the
attempts retried, by the status that made them fail. Light on purpose: the report carries it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypedDict


class UsageJson(TypedDict):
    characters_billed: int
    requests: int
    retries: dict[str, int]


@dataclass
class Usage:
    """Counts of one client (or the sum of several).

    `requests` counts every HTTP request sent for synthesis, retries included; `characters`
    those of the requests Waves answered with audio (what it bills); `retries` the failed
    attempts that were tried again, by HTTP status ("429", "503") or "timeout" / "network".
    """

    requests: int = 0
    characters: int = 0
    retries: dict[str, int] = field(default_factory=dict)

    def retried(self, reason: str) -> None:
        self.retries[reason] = self.retries.get(reason, 0) + 1

    def summary(self) -> str:
        """One line for the build summary."""
        line = f"waves: {self.characters} characters billed in {self.requests} request(s)"
        total = sum(self.retries.values())
        if total:
            by = ", ".join(f"{status}: {n}" for status, n in sorted(self.retries.items()))
            line += f"; {total} retried ({by})"
        return line

    def as_json(self) -> UsageJson:
        return {
            "characters_billed": self.characters,
            "requests": self.requests,
            "retries": dict(sorted(self.retries.items())),
        }


def total(usages: Iterable[Usage]) -> Usage | None:
    """The sum of `usages`; None when there are none (no metered engine ran)."""
    found = list(usages)
    if not found:
        return None
    out = Usage()
    for usage in found:
        out.requests += usage.requests
        out.characters += usage.characters
        for reason, n in usage.retries.items():
            out.retries[reason] = out.retries.get(reason, 0) + n
    return out


def of_engines(engines: Iterable[Any]) -> Usage | None:
    """The usage of the engines that keep one (a `usage` attribute holding a Usage)."""
    return total(u for e in engines if isinstance(u := getattr(e, "usage", None), Usage))
