"""Secrets by value: redact an API key wherever it could surface, find it where it must not be.

Redaction goes by the key's value, never by the name of the variable that held it. The keys this
process has read are remembered here (`remember`), so a log filter can redact them without
knowing which variable a project names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

HIDDEN = "<hidden>"
# Shorter values are too likely to occur by chance in ordinary text to be treated as secrets.
MIN_LENGTH = 8

# Not secrets by their names, but hidden too: the AWS access key id names the account.
HIDDEN_VARIABLES = ("AWS_ACCESS_KEY_ID",)

# Replaced whole, never mutated: log filters in other threads read it without a lock.
_remembered: frozenset[str] = frozenset()


def remember(value: str) -> None:
    """Treat `value` as a secret for the rest of this process (e.g. the API key just read)."""
    global _remembered
    if len(value) >= MIN_LENGTH and value not in _remembered:
        _remembered = _remembered | {value}


def remember_environ(environ: Mapping[str, str]) -> None:
    """Remember values of variables named like secrets (*API_KEY*, *TOKEN*, *SECRET*, and
    `HIDDEN_VARIABLES`): before prompts.toml is read nobody knows which one holds the key, and
    an error about a config value that holds it must not echo it."""
    for name, value in environ.items():
        upper = name.upper()
        if upper in HIDDEN_VARIABLES or any(m in upper for m in ("API_KEY", "TOKEN", "SECRET")):
            remember(value.strip())


def known(extra: Iterable[str] = ()) -> list[str]:
    """The secrets to look for: those remembered plus `extra`, longest first."""
    found = {s for s in (*_remembered, *extra) if len(s) >= MIN_LENGTH}
    return sorted(found, key=len, reverse=True)


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """`text` with every known secret replaced by <hidden>."""
    for secret in known(extra):
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return text


def contains_secret(text: str, extra: Iterable[str] = ()) -> bool:
    """Whether `text` holds a known secret."""
    return any(secret in text for secret in known(extra))


def paths_holding(value: Any, path: str, extra: Iterable[str] = ()) -> list[str]:
    """Dotted paths (like `locales.en-US.vars.company`) of strings inside `value` that hold a
    known secret; walks dataclasses, mappings and sequences."""
    secrets = known(extra)
    if not secrets:
        return []
    return [where for where, text in _strings(value, path) if any(s in text for s in secrets)]


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name), _join(path, f.name))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key, _join(path, str(key)))
            yield from _strings(item, _join(path, str(key)))
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")
    elif hasattr(value, "__fspath__"):
        yield path, str(value)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
