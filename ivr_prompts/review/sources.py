"""Where a published set comes from: a folder, a git ref, or the build's before-image."""

from __future__ import annotations

import contextlib
import io
import logging
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..publish.manifest import MANIFEST, Manifest, read_manifest
from .before import before_dir
from .members import Refused, member

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishedSet:
    """A manifest and the folder its files are read from (files may be missing: a before-image
    keeps only changed audio)."""

    label: str
    root: Path
    manifest: Manifest


def read_folder(root: Path, label: str | None = None) -> PublishedSet:
    """The published set in `root`; a folder without our manifest is a usage error."""
    found = member(root, MANIFEST)
    if isinstance(found, Refused):
        raise UsageError(
            f"--against {root}: {MANIFEST} is {found.reason}; review reads only regular files "
            "inside the compared set: give a published folder (e.g. dist)"
        )
    manifest = read_manifest(root)
    if manifest is None:
        raise UsageError(
            f"--against {root}: no ivr-prompts {MANIFEST} in it; "
            "give a published folder (e.g. dist) or a git ref that holds one"
        )
    return PublishedSet(label or str(root), root, manifest)


@contextlib.contextmanager
def against_set(against: str | None, out_dir: Path) -> Iterator[PublishedSet | None]:
    """The set to compare with: a folder, a git ref (read with git archive into a temporary
    folder that lives as long as the context), or by default the before-image of `out_dir`."""
    if against is None:
        kept = before_dir(out_dir)
        manifest = read_manifest(kept)
        yield (
            None
            if manifest is None
            else PublishedSet("the set the last build replaced", kept, manifest)
        )
        return
    path = Path(against)
    if path.is_dir():
        yield read_folder(path)
        return
    with tempfile.TemporaryDirectory(prefix="ivr-review-") as temp:
        yield git_set(against, out_dir, Path(temp))


def git_set(ref: str, out_dir: Path, dest: Path) -> PublishedSet:
    """The published folder `out_dir` as committed at `ref`, extracted into `dest`."""
    out_dir = Path(out_dir).resolve()
    probe = out_dir if out_dir.is_dir() else out_dir.parent
    top = _git(probe, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise UsageError(
            f"--against {ref}: not a folder, and {probe} is not in a git repository; "
            "give a published folder or a git ref of the repository that commits it"
        )
    root = Path(top.stdout.decode().strip())
    try:
        rel = out_dir.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise UsageError(
            f"--against {ref}: {out_dir} is not inside the git repository {root}; "
            "give a published folder instead"
        ) from None
    if _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise UsageError(
            f"--against {ref}: neither a folder nor a commit, branch or tag of {root}; "
            "give a published folder or a git ref (e.g. HEAD~1, main, v1.2)"
        )
    archive = _git(root, "archive", "--format=tar", ref, "--", rel)
    if archive.returncode != 0:
        raise UsageError(
            f"--against {ref}: {rel}/ is not committed at {ref}; "
            "commit the published set, or give a published folder instead"
        )
    _extract(archive.stdout, dest, ref)
    manifest = read_manifest(dest / rel)
    if manifest is None:
        raise UsageError(
            f"--against {ref}: {rel}/{MANIFEST} at {ref} is missing or not an ivr-prompts "
            "manifest; give a ref where the published set was committed"
        )
    return PublishedSet(f"git {ref}:{rel}", dest / rel, manifest)


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise UsageError("--against: git is not installed; install git or give a folder") from exc


def _extract(data: bytes, dest: Path, ref: str) -> None:
    """The regular files and folders of a `git archive` tar; anything else (a symlink) is one
    warning line each, never followed."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            wanted = []
            for entry in tar.getmembers():
                if entry.isfile() or entry.isdir():
                    wanted.append(entry)
                    continue
                kind = "symlink" if entry.issym() else "link" if entry.islnk() else "special file"
                log.warning(
                    "--against %s: %s is a %s at %s; not read (review reads only regular files "
                    "inside the compared set)",
                    ref,
                    entry.name,
                    kind,
                    ref,
                )
            tar.extractall(dest, members=wanted, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise UsageError(
            f"--against {ref}: cannot read the committed set ({exc}); give a published folder"
        ) from exc
