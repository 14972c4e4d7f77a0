"""What `review` may write, replace or delete: only its own pages and folders.

A page carries a `<meta name="generator">` mark in its head and its audio folder a marker file,
so a later `review` knows them for its own; anything else at those paths (the project's files, a
browser's "save page as" folder, a document that happens to be called review.html) is left alone.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from ..config import Config
from ..errors import UsageError
from .before import before_dir

PAGE_MARK = '<meta name="generator" content="ivr-prompts review">'
FOLDER_MARK = ".ivr-prompts-review"
FOLDER_MARK_TEXT = "written by `ivr-prompts review` with the page beside it; removed with it\n"
# Pages and folders written before the marks existed, recognised by their exact shape.
_LEGACY_HEAD = b'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>'
_LEGACY_TITLE = re.compile(rb"^[^<]*: prompt review</title>")
_LEGACY_CLIP = re.compile(r"[0-9a-f]{16}\.js")
_HEAD_BYTES = 8192


def is_review_page(path: Path) -> bool:
    """Whether `path` is a regular file that a `review` wrote (by its mark in the head)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        return False
    if PAGE_MARK.encode() in head:
        return True
    return head.startswith(_LEGACY_HEAD) and bool(_LEGACY_TITLE.match(head[len(_LEGACY_HEAD) :]))


def is_review_folder(folder: Path) -> bool:
    """Whether `folder` is a real folder (no symlink) that a `review` wrote for its page."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    if (folder / FOLDER_MARK).is_file():
        return True
    entries = list(folder.iterdir())
    return bool(entries) and all(
        _LEGACY_CLIP.fullmatch(e.name) and e.is_file() and not e.is_symlink() for e in entries
    )


def clip_folder(page: Path) -> Path:
    """The folder of clip scripts beside a page: `review.html` -> `review_files/`."""
    return page.parent / f"{page.stem}_files"


def check_page_path(config: Config, page: Path, *, force: bool = False) -> None:
    """Refuse to write the page at `page` (resolved) over anything but an earlier review page:
    never over the project's own files; over any other file only with `force`."""
    what = _project_part(config, page)
    if what is not None:
        raise UsageError(
            f"--out {page}: that is {what}; review writes only its own pages, "
            "never the project's files; choose another path such as review.html"
        )
    if page.is_dir():
        raise UsageError(f"--out {page}: is a folder; give the path of an .html page to write")
    if page.exists() and not force and not is_review_page(page):
        raise UsageError(
            f"--out {page}: exists and is not a page written by ivr-prompts review; "
            "choose another path, or pass --force to replace it"
        )


def check_folder_path(folder: Path) -> None:
    """Refuse to replace `folder` unless an earlier review wrote it."""
    if (folder.exists() or folder.is_symlink()) and not is_review_folder(folder):
        raise UsageError(
            f"--out: {folder} exists and was not written by ivr-prompts review; the page's "
            "audio goes there: move it away, or choose another --out"
        )


def _project_part(config: Config, page: Path) -> str | None:
    """What of the project `page` is or lies in (None: not the project's)."""
    for label, path in _project_paths(config):
        resolved = path.resolve()
        if page == resolved or resolved in page.parents:
            return f"{label} ({path})"
    return None


def _project_paths(config: Config) -> Iterator[tuple[str, Path]]:
    out = config.project.output
    yield "the project file", config.path
    yield "the project's lock file", config.lock_path
    yield "the templates folder", config.templates_dir
    for code, locale in config.locales.items():
        if locale.pronunciations is not None:
            yield f"the dictionary of {code}", locale.pronunciations
    yield "the output folder (project.output)", out
    yield "the cache (project.cache)", config.project.cache
    yield "the replaced set kept for review", before_dir(out)
    for suffix in ("lock", "tar.gz", "zip"):
        name = f".{out.name}.{suffix}" if suffix == "lock" else f"{out.name}.{suffix}"
        yield "a file the build writes", out.parent / name
    yield "the project's git folder", config.root / ".git"
