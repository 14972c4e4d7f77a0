"""The one place output leaves the process: every line on stdout and stderr, redacted by value.

Commands print what they read (a rendered text, a config value in an error, a path), and a key
pasted into any of them would go out with it. Rather than trust each command to remember, the
streams themselves replace every known secret (`secrets.known()`) with <hidden>; the key a
project names in `waves.api_key_env` is remembered as soon as `--config` is parsed, before the
command reads anything.
"""

from __future__ import annotations

import io
import os
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from .. import secrets

DEFAULT_KEY_ENV = "SMALLEST_API_KEY"
DEFAULT_FILE = "prompts.toml"


class RedactingStream(io.TextIOBase):
    """A text stream that writes to `inner` with every known secret replaced by <hidden>."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(secrets.redact(text))
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]  # TextIOBase declares it read-only
        return getattr(self.inner, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.inner, "errors", None)

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":  # bytes written there would pass unredacted: text only
            raise AttributeError(name)
        return getattr(self.inner, name)


def install() -> None:
    """Wrap sys.stdout and sys.stderr (once) so nothing printed can carry a known secret."""
    if not isinstance(sys.stdout, RedactingStream):
        sys.stdout = RedactingStream(sys.stdout)
    if not isinstance(sys.stderr, RedactingStream):
        sys.stderr = RedactingStream(sys.stderr)


def remember_configured(config_path: Path | None, environ: Mapping[str, str] = os.environ) -> None:
    """Remember the value of the variable prompts.toml names in `waves.api_key_env` (and of the
    default one), whatever the project is otherwise: even a file that fails validation must not
    echo the key in its errors."""
    names = {DEFAULT_KEY_ENV}
    path = Path(config_path) if config_path is not None else Path(DEFAULT_FILE)
    if path.is_dir():
        path = path / DEFAULT_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        data = {}
    waves = data.get("waves")
    if isinstance(waves, dict) and isinstance(waves.get("api_key_env"), str):
        names.add(waves["api_key_env"])
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            secrets.remember(value)
