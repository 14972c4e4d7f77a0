"""Reading one TOML file: every problem in one pass, each with its key path and line."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import Problem
from .settings import KEYS, Key
from .tomlpos import KeyPath, key_lines, line_of

Check = Callable[[Any], str | None]


def show(value: Any) -> str:
    """A value as a message shows it: tables and lists by kind, scalars by repr."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


class Reader:
    """Collects every problem of one TOML file in one pass, each with its key path and line."""

    def __init__(self, file: Path, raw_text: str = "") -> None:
        self.file = file
        self.found: list[Problem] = []
        self.lines = key_lines(raw_text)
        # How a path prefix is written in messages, e.g. ("prompts", 1) -> "prompts[1] (id 'x')".
        self.labels: dict[KeyPath, str] = {}

    def label(self, path: KeyPath) -> str:
        """The key path as messages write it: dotted names, [i] for array items."""
        text = ""
        for end, part in enumerate(path, start=1):
            if isinstance(part, int):
                text += f"[{part}]"
            else:
                text += f".{part}" if text else part
            text = self.labels.get(path[:end], text)
        return text

    def line(self, path: KeyPath) -> int:
        return line_of(self.lines, path)

    def problem(self, path: KeyPath, message: str, *, prompt: str = "", locale: str = "") -> None:
        self.found.append(
            Problem(
                f"{self.file.name}: {self.label(path)}: {message}",
                file=self.file.name,
                line=self.line(path),
                key=".".join(str(p) for p in path),
                prompt=prompt,
                locale=locale,
                named=True,
            )
        )

    def table(self, data: Any, path: KeyPath) -> dict[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problem(path, f"expected a table, got {show(data)}")
            return {}
        return data

    def known(self, data: Mapping[str, Any], path: KeyPath, allowed: tuple[str, ...]) -> None:
        for name in data:
            if name == "api_key":
                self.problem(
                    (*path, name),
                    "keys never go in prompts.toml; set SMALLEST_API_KEY (or name another "
                    "variable with waves.api_key_env)",
                )
            elif name not in allowed:
                hint = difflib.get_close_matches(name, allowed, n=1)
                fix = f"did you mean '{hint[0]}'?" if hint else f"allowed: {', '.join(allowed)}"
                self.problem((*path, name), f"unknown key; {fix}")

    def get(
        self,
        data: Mapping[str, Any],
        path: KeyPath,
        name: str,
        kind: type | tuple[type, ...],
        default: Any,
        check: Check | None = None,
    ) -> Any:
        if name not in data:
            return default
        value = data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            want = " or ".join(k.__name__ for k in kinds)
            self.problem((*path, name), f"expected {want}, got {show(value)}")
            return default
        if check is not None and (message := check(value)) is not None:
            self.problem((*path, name), f"{message}, got {show(value)}")
            return default
        return value

    def choice(
        self,
        data: Mapping[str, Any],
        path: KeyPath,
        name: str,
        choices: Sequence[Any],
        default: Any,
    ) -> Any:
        kind = int if choices and isinstance(choices[0], int) else str
        return self.get(data, path, name, kind, default, one_of(choices))

    def choices(
        self,
        data: Mapping[str, Any],
        path: KeyPath,
        name: str,
        choices: Sequence[str],
        default: tuple[str, ...],
    ) -> tuple[str, ...]:
        values = self.get(data, path, name, list, list(default))
        out: list[str] = []
        for i, value in enumerate(values):
            if value in choices:
                if value not in out:
                    out.append(value)
            else:
                self.problem(
                    (*path, name, i), f"must be one of {', '.join(choices)}, got {show(value)}"
                )
        return tuple(out)

    def declared(
        self, data: Mapping[str, Any], section: str, keys: Sequence[Key] = KEYS
    ) -> dict[str, Any]:
        """Every declared key of `section` (ours, or those an engine declares), read and
        checked, defaults filled in."""
        out: dict[str, Any] = {}
        path: KeyPath = (section,)
        for key in keys:
            if key.section != section:
                continue
            if key.kind is list:
                out[key.name] = self.choices(data, path, key.name, key.choices, key.default)
            elif key.choices:
                out[key.name] = self.choice(data, path, key.name, key.choices, key.default)
            elif key.kind is float:
                value = self.get(data, path, key.name, (int, float), key.default, _range(key))
                out[key.name] = None if value is None else float(value)
            else:
                out[key.name] = self.get(data, path, key.name, key.kind, key.default, _range(key))
        return out


def one_of(choices: Sequence[Any]) -> Check:
    """A check for a closed set, with a "did you mean" for strings."""

    def check(value: Any) -> str | None:
        if value in choices:
            return None
        names = ", ".join(str(c) for c in choices)
        hint = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
        tail = f" (did you mean '{hint[0]}'?)" if hint and isinstance(value, str) else ""
        return f"must be one of {names}{tail}"

    return check


def between(low: float, high: float) -> Check:
    def check(value: Any) -> str | None:
        return None if low <= value <= high else f"must be between {low:g} and {high:g}"

    return check


def positive(value: Any) -> str | None:
    return None if value > 0 else "must be greater than 0"


def _range(key: Key) -> Check | None:
    if key.check is not None:
        return key.check
    if key.low is not None and key.high is not None:
        return between(key.low, key.high)
    if key.low is not None:
        return positive
    return None
