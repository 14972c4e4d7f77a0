"""What `check` found, remembered under everything its findings depend on: the inputs (digested
as the build's fingerprint digests them) and the published tree (path, size and mtime of every
file). A check that finds both as they were answers from the memo without rendering or
planning; anything edited, added or removed since makes it look again.

Light on purpose: the CLI tries it before importing the checker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from .. import secrets
from ..atomic import write_atomic
from ..config import Config
from ..engines.registry import Engines
from ..engines.waves.catalog import memo_state
from ..errors import Problem
from ..versions import CHECK_VERSION
from .fingerprint import inputs_digest, tree_state, wait_past
from .options import BuildOptions

log = logging.getLogger(__name__)

MEMO = "check-memo.json"  # in the project's local cache folder


@dataclass
class CheckResult:
    issues: list[Problem] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(i.severity == "error" for i in self.issues)


@dataclass(frozen=True)
class MemoKey:
    """The digest a check's findings are remembered under, and the newest file it covers."""

    digest: str
    newest: int


def memo_key(config: Config, engines: Engines | None = None) -> MemoKey | None:
    """The key of a check of `config` now; None when it cannot be memoized (nothing published,
    an input unreadable, or an archive configured: its check compares the archive's bytes)."""
    if config.publish.archive is not None:
        return None
    inputs = inputs_digest(config, BuildOptions(), engines or Engines(config))
    if inputs is None:
        return None
    out = config.project.output.resolve()
    if not out.is_dir():
        return None
    try:
        tree, newest = tree_state(out)
    except OSError:
        return None
    voices = memo_state(config)  # a refreshed or aged voice catalog changes the findings
    digest = hashlib.sha256(f"{CHECK_VERSION}\0{inputs}\0{tree}\0{voices}".encode()).hexdigest()
    return MemoKey(digest, newest)


def recall(config: Config) -> CheckResult | None:
    """The findings of the last check with this key, if it was made after every file it covers."""
    key = memo_key(config)
    if key is None:
        return None
    path = config.project.cache / MEMO
    try:
        written = path.stat().st_mtime_ns
        data = json.loads(path.read_bytes())
        if data["key"] != key.digest or key.newest >= written:
            return None
        issues = [Problem(**found) for found in data["issues"]]
        return CheckResult(issues, [str(s) for s in data["subjects"]])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(config: Config, key: MemoKey, result: CheckResult) -> None:
    """Keep `result` under `key` (taken before the check looked); a cache that cannot be written
    only costs the next check its shortcut."""
    blob: dict[str, Any] = {
        "key": key.digest,
        "issues": [dataclasses.asdict(found) for found in result.issues],
        "subjects": result.subjects,
    }
    wait_past(key.newest)
    with contextlib.suppress(OSError):
        config.project.cache.mkdir(parents=True, exist_ok=True)
        # Findings quote texts and values: a key pasted in one is stored as <hidden>, by value.
        text = secrets.redact(json.dumps(blob, ensure_ascii=False))
        write_atomic(config.project.cache / MEMO, text.encode())
