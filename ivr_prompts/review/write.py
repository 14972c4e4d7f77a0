"""`review`: the page for a built set, compared with the set it replaced (or any other)."""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from .. import validate
from ..config import Config
from ..errors import UsageError
from .model import Status, build_rows
from .page import render_page
from .sources import against_set, read_folder

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ReviewResult:
    path: Path
    bytes: int
    counts: Mapping[Status, int]
    against: str | None


def write_review(
    config: Config, against: str | None = None, out: Path | None = None
) -> ReviewResult:
    """Write the review page of `config`'s published set (default `review.html` beside
    prompts.toml), compared with `against`: a folder, a git ref, or by default the set the
    last build replaced."""
    output = config.project.output
    if not output.is_dir():
        raise UsageError(f"{output} does not exist; run `ivr-prompts build` first")
    current = read_folder(output, str(output))
    rules = validate.Rules.from_settings(config.audio, config.limits)
    with against_set(against, output) as previous:
        rows = build_rows(current, previous, rules)
        label = previous.label if previous is not None else None
    page = render_page(rows, project=config.project.name, against=label).encode("utf-8")
    path = out if out is not None else config.root / "review.html"
    _write_atomic(path, page)
    counts = Counter(r.status for r in rows)
    log.info("wrote %s (%d bytes, %d rows)", path, len(page), len(rows))
    return ReviewResult(path, len(page), dict(counts), label)


def _write_atomic(path: Path, data: bytes) -> None:
    path = path.resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temp, 0o644)  # a page to share, not a secret (mkstemp makes it 0600)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UsageError(
            f"--out {path}: cannot write ({exc.strerror or exc}); pick a writable path"
        ) from exc
