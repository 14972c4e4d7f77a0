"""An archive of the published set with its manifest, for manual uploads: <output>.tar.gz|.zip.

The archive is byte-for-byte reproducible (sorted members, fixed times and owners), so an
unchanged set leaves the file untouched; it is written beside the output folder, atomically.
"""

from __future__ import annotations

import gzip
import io
import logging
import re
import tarfile
import zipfile
from pathlib import Path

from ..atomic import write_atomic
from ..config import Config
from ..errors import IvrPromptsError
from ..kinds import ArchiveFormat

log = logging.getLogger(__name__)

# The publisher's own bookkeeping (stat index, input fingerprint: they hold mtimes and
# digests of this machine's files), not part of the set: the archive depends on the set alone.
_INTERNAL = ".ivr-prompts-"
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def archive_top(name: str) -> str:
    """The one folder every member goes under: the project's name with its path parts joined
    by '-', so no name (`../../evil`, `/etc`) makes a member that lands outside it."""
    parts = [p for p in re.split(r"[/\\]", _UNSAFE.sub("", name)) if p.strip(". ")]
    return "-".join(parts) or "prompts"


def archive_path(config: Config, fmt: ArchiveFormat) -> Path:
    """`dist` -> `dist.tar.gz` (or `dist.zip`) beside it."""
    out = config.project.output.resolve()
    return out.with_name(f"{out.name}.{fmt}")


def members(out: Path) -> list[Path]:
    """Every file of the published set, in archive order."""
    return sorted(
        (p for p in out.rglob("*") if p.is_file() and not p.name.startswith(_INTERNAL)),
        key=lambda p: p.relative_to(out).as_posix(),
    )


def archive_bytes(config: Config, fmt: ArchiveFormat) -> bytes:
    """The archive of the published set, every member under `<project name>/`."""
    out = config.project.output.resolve()
    top = archive_top(config.project.name)
    buffer = io.BytesIO()
    if fmt == "zip":
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in members(out):
                info = zipfile.ZipInfo(f"{top}/{path.relative_to(out).as_posix()}", _ZIP_EPOCH)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
        return buffer.getvalue()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in members(out):
            data = path.read_bytes()
            entry = tarfile.TarInfo(f"{top}/{path.relative_to(out).as_posix()}")
            entry.size, entry.mode, entry.mtime = len(data), 0o644, 0
            tar.addfile(entry, io.BytesIO(data))
    return buffer.getvalue()


def archive_problem(config: Config) -> tuple[str, str] | None:
    """(code, message) when the configured archive is missing or no longer matches the
    published set; None when it matches (or no archive is configured, or nothing is published)."""
    fmt = config.publish.archive
    out = config.project.output.resolve()
    if fmt is None or not (out / "manifest.json").is_file():
        return None
    dest = archive_path(config, fmt)
    if not dest.is_file():
        return "missing", f"{dest.name} is missing; run ivr-prompts build"
    try:
        same = dest.read_bytes() == archive_bytes(config, fmt)
    except OSError as exc:
        return "modified", f"{dest.name}: unreadable ({exc.strerror})"
    if not same:
        return "stale", f"{dest.name} differs from the published set; run ivr-prompts build"
    return None


def write_archive(config: Config, fmt: ArchiveFormat) -> tuple[Path, bool]:
    """Write the archive when its content changed; (its path, whether it was written)."""
    dest = archive_path(config, fmt)
    try:
        data = archive_bytes(config, fmt)
        if dest.is_file() and dest.read_bytes() == data:
            return dest, False
        write_atomic(dest, data, mode=0o644)
    except OSError as exc:
        raise IvrPromptsError(
            f"publish.archive: cannot write {dest}: {exc.strerror}; check the folder's permissions"
        ) from exc
    log.info("wrote %s (%d bytes)", dest, len(data))
    return dest, True
