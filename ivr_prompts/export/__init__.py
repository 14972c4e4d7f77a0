"""What platforms take beyond the published folder: Genesys CSV, archives, S3 and Connect."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import IvrPromptsError
from .archive import write_archive
from .connect import BotoPromptDirectory, ConnectReport, PromptDirectory, sync_prompts
from .failure import ExportFailed
from .s3 import S3Client, UploadReport, upload_set

__all__ = ["ExportReport", "PromptDirectory", "S3Client", "after_build"]


@dataclass
class ExportReport:
    archive: Path | None = None
    archive_written: bool = False
    upload: UploadReport | None = None
    connect: ConnectReport | None = None

    def summary(self) -> list[str]:
        """One line per export, for the build summary."""
        lines: list[str] = []
        if self.archive is not None:
            lines.append(f"{'wrote' if self.archive_written else 'unchanged:'} {self.archive}")
        if self.upload is not None:
            up, where = self.upload, self.upload.destination
            lines.append(
                f"uploaded {len(up.uploaded)} file(s) to {where.uri(where.prefix)} "
                f"({up.unchanged} unchanged)"
            )
        if self.connect is not None:
            c = self.connect
            lines.append(f"Connect prompts: {len(c.created)} created, {len(c.updated)} updated")
        return lines

    def as_json(self) -> dict[str, Any]:
        """The exports for `build --json`."""
        found: dict[str, Any] = {}
        if self.archive is not None:
            found["archive"] = {"path": str(self.archive), "written": self.archive_written}
        if self.upload is not None:
            where = self.upload.destination
            found["upload"] = {
                "destination": where.uri(where.prefix),
                "uploaded": self.upload.uploaded,
                "unchanged": self.upload.unchanged,
            }
        if self.connect is not None:
            found["connect"] = {"created": self.connect.created, "updated": self.connect.updated}
        return found


def wanted(config: Config) -> bool:
    """Whether [publish] asks for anything beyond the published folder."""
    return config.publish.exports


def after_build(
    config: Config,
    records: Sequence[Mapping[str, Any]],
    *,
    s3_client: S3Client | None = None,
    connect: PromptDirectory | None = None,
) -> ExportReport:
    """Everything [publish] asks for beyond the published folder, once the set is in place;
    ExportFailed (exit 3: "published; <step> failed: ...") when one of them fails."""
    report = ExportReport()
    publish = config.publish
    step = "archive"
    try:
        if publish.archive is not None:
            report.archive, report.archive_written = write_archive(config, publish.archive)
        step = "upload"
        if publish.upload is not None:
            report.upload = upload_set(config, records, s3_client)
            step = "Connect prompt update"
            if publish.connect_instance is not None:
                directory = connect or BotoPromptDirectory(publish.connect_instance)
                report.connect = sync_prompts(
                    directory, report.upload.destination, records, set(report.upload.uploaded)
                )
    except IvrPromptsError as exc:
        raise ExportFailed(step, exc) from exc
    return report
