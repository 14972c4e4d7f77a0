"""What a build did: its counts and report. Light on purpose: the fast no-op answers with them
before the build's machinery (numpy, asyncio, engines) is imported."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..publish.manifest import Manifest, read_manifest
from .usage import Usage

if TYPE_CHECKING:
    from ..export import ExportReport
    from .plan import Plan


@dataclass(frozen=True)
class Counts:
    """What a build found: pairs, and per (locale, engine) prompts, synthesized, from the cache,
    unchanged."""

    pairs: int
    from_cache: int
    reused: int
    kept: int
    removed: tuple[tuple[str, str], ...]
    rows: tuple[tuple[str, str, int, int, int, int], ...]

    @classmethod
    def of(cls, plan: Plan) -> Counts:
        rows: dict[tuple[str, str], list[int]] = {}
        for pair in plan.pairs:
            row = rows.setdefault((pair.locale.code, pair.engine), [0, 0, 0, 0])
            row[0] += 1
            row[1] += pair.action in ("synthesize", "generate")
            row[2] += pair.action in ("cached", "process")
            row[3] += pair.action in ("reuse", "keep")
        return cls(
            pairs=len(plan.pairs),
            from_cache=plan.count("cached"),
            reused=plan.count("reuse"),
            kept=plan.count("keep"),
            removed=tuple(plan.removed),
            rows=tuple((c, e, r[0], r[1], r[2], r[3]) for (c, e), r in sorted(rows.items())),
        )

    def next_noop(self, plan: Plan) -> dict[str, Any]:
        """What a no-op build after this one (same options) finds, as stored in the fingerprint."""
        unchanged: dict[tuple[str, str], int] = {}
        for pair in plan.pairs:
            key = (pair.locale.code, pair.engine)
            unchanged[key] = unchanged.get(key, 0) + (pair.action != "skip")
        return {
            "pairs": self.pairs,
            "reused": sum(1 for p in plan.pairs if p.selected),
            "kept": sum(1 for p in plan.pairs if not p.selected and p.action != "skip"),
            "rows": [[c, e, n, 0, 0, unchanged[(c, e)]] for c, e, n, *_ in self.rows],
        }


@dataclass(repr=False)
class BuildReport:
    counts: Counts
    plan: Plan | None = None  # None: the fingerprint showed nothing to do, nothing was planned
    synthesized: int = 0
    processed: int = 0
    published: bool = False
    prompts: int = 0  # in the set this build published (the manifest is not read to count them)
    failures: list[str] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    exports: ExportReport | None = None
    usage: Usage | None = None  # what a metered engine (Waves) was asked, when one ran
    _manifest: Manifest | None = None
    _manifest_at: Path | None = None  # the fast no-op reads it only when asked

    @property
    def manifest(self) -> Manifest | None:
        """The manifest of the set now published (or already in place)."""
        if self._manifest is None and self._manifest_at is not None:
            self._manifest, self._manifest_at = read_manifest(self._manifest_at), None
        return self._manifest

    @manifest.setter
    def manifest(self, value: Manifest | None) -> None:
        self._manifest, self._manifest_at = value, None

    def manifest_in(self, out: Path) -> None:
        """The manifest is the one published in `out`: read it from there when asked."""
        self._manifest, self._manifest_at = None, out

    def __repr__(self) -> str:
        return (
            f"BuildReport({self.plan!r}, synthesized={self.synthesized}, "
            f"published={self.published}, failures={len(self.failures)})"
        )
