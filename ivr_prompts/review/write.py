"""`review`: the page for a built set, compared with the set it replaced (or any other)."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from .. import validate
from ..atomic import write_atomic
from ..config import Config
from ..errors import UsageError
from .model import RulesFor, Status, build_rows
from .ownership import (
    FOLDER_MARK,
    FOLDER_MARK_TEXT,
    check_folder_path,
    check_page_path,
    clip_folder,
    is_review_folder,
)
from .page import clip_bytes, render_page
from .sources import against_set, read_folder

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ReviewResult:
    path: Path
    bytes: int  # the page itself
    total_bytes: int  # with the audio folder, if any
    counts: Mapping[Status, int]
    against: str | None
    folder: str | None  # the audio folder beside the page, when the set is too big to inline


# Up to this much audio (about 12 minutes of G.711) the page carries it inline and is one file to
# share; above it, the audio goes in a folder beside the page, so the page itself opens at once.
INLINE_LIMIT = 6_000_000


def write_review(
    config: Config,
    against: str | None = None,
    out: Path | None = None,
    *,
    inline_limit: int = INLINE_LIMIT,
    force: bool = False,
) -> ReviewResult:
    """Write the review page of `config`'s published set (default `review.html` beside
    prompts.toml), compared with `against`: a folder, a git ref, or by default the set the
    last build replaced. Big sets get their audio in `<page>_files/` beside the page.

    Only an earlier review page is replaced (any other file with `force`), never a file of the
    project; the audio folder is replaced or removed only when an earlier review wrote it."""
    output = config.project.output
    if not output.is_dir():
        raise UsageError(f"{output} does not exist; run `ivr-prompts build` first")
    path = (out if out is not None else config.root / "review.html").resolve()
    check_page_path(config, path, force=force)
    current = read_folder(output, str(output))
    rules = prompt_rules(config)
    with against_set(against, output) as previous:
        rows = build_rows(current, previous, rules)
        label = previous.label if previous is not None else None
    folder = clip_folder(path).name if clip_bytes(rows) > inline_limit else None
    if folder is not None:
        check_folder_path(clip_folder(path))
    page = render_page(rows, project=config.project.name, against=label, folder=folder)
    if folder is not None:
        _write_folder(clip_folder(path), page.clip_files)
    data = page.html.encode("utf-8")
    _write_atomic(path, data)
    if folder is None and is_review_folder(clip_folder(path)):
        shutil.rmtree(clip_folder(path), ignore_errors=True)  # an older page's, ours
    counts = Counter(r.status for r in rows)
    total = len(data) + sum(len(text) for text in page.clip_files.values())
    log.info("wrote %s (%d bytes, %d rows)", path, len(data), len(rows))
    return ReviewResult(path, len(data), total, dict(counts), label, folder)


def prompt_rules(config: Config) -> RulesFor:
    """The project's rules with each prompt's own duration bounds (matrix ids matched by their
    pattern); unknown ids get the project's."""
    base = validate.Rules.from_settings(config.audio, config.limits)
    patterns = [
        (re.compile(".+".join(re.escape(part) for part in re.split(r"\{\{.*?\}\}", p.id))), p)
        for p in config.prompts
    ]

    @functools.cache
    def rules(prompt_id: str) -> validate.Rules:
        for pattern, prompt in patterns:
            if pattern.fullmatch(prompt_id):
                return dataclasses.replace(
                    base,
                    min_seconds=prompt.min_seconds or base.min_seconds,
                    max_seconds=prompt.max_seconds or base.max_seconds,
                )
        return base

    return rules


def _write_folder(folder: Path, files: Mapping[str, str]) -> None:
    """The clip scripts, written beside the old folder, then swapped in for it."""
    temp = folder.parent / f".{folder.name}-{uuid.uuid4().hex[:12]}"
    aside = folder.parent / f".{folder.name}-old-{uuid.uuid4().hex[:12]}"
    try:
        temp.mkdir(parents=True)
        (temp / FOLDER_MARK).write_text(FOLDER_MARK_TEXT, encoding="ascii")
        for name, text in files.items():
            (temp / name).write_text(text, encoding="ascii")
        if folder.exists():
            os.rename(folder, aside)
        os.rename(temp, folder)
    except OSError as exc:
        raise UsageError(
            f"--out: cannot write {folder} ({exc.strerror or exc}); pick a writable path"
        ) from exc
    finally:
        shutil.rmtree(temp, ignore_errors=True)
        shutil.rmtree(aside, ignore_errors=True)


def _write_atomic(path: Path, data: bytes) -> None:
    path = path.resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data, mode=0o644)  # a page to share, not a secret
    except OSError as exc:
        raise UsageError(
            f"--out {path}: cannot write ({exc.strerror or exc}); pick a writable path"
        ) from exc
