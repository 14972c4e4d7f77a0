"""What a section of the report holds: tables, target verdicts, notes and profiles."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """One figure held against one target of the issue; `met` None when there is no verdict."""

    figure: str
    value: str
    target: str
    met: bool | None


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str = ""


@dataclass
class Section:
    key: str
    title: str
    intro: str
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profiles: list[tuple[str, str]] = field(default_factory=list)  # (what, text)
    seconds: float = 0.0


def fmt_s(seconds: float) -> str:
    """Seconds with sensible precision."""
    if seconds >= 100:
        return f"{seconds:.0f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def fmt_pct(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"
