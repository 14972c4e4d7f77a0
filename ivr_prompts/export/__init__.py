"""What platforms take beyond the published folder: Genesys CSV, archives, S3 and Connect."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from .archive import write_archive
from .connect import BotoPromptDirectory, ConnectReport, PromptDirectory, sync_prompts
from .s3 import S3Client, UploadReport, upload_set

__all__ = ["ExportReport", "PromptDirectory", "S3Client", "after_build"]


@dataclass
class ExportReport:
    archive: Path | None = None
    archive_written: bool = False
    upload: UploadReport | None = None
    connect: ConnectReport | None = None


def after_build(
    config: Config,
    records: Sequence[Mapping[str, Any]],
    *,
    s3_client: S3Client | None = None,
    connect: PromptDirectory | None = None,
) -> ExportReport:
    """Everything [publish] asks for beyond the published folder, once the set is in place."""
    report = ExportReport()
    publish = config.publish
    if publish.archive is not None:
        report.archive, report.archive_written = write_archive(config, publish.archive)
    if publish.upload is not None:
        report.upload = upload_set(config, records, s3_client)
        if publish.connect_instance is not None:
            directory = connect or BotoPromptDirectory(publish.connect_instance)
            report.connect = sync_prompts(
                directory, report.upload.destination, records, set(report.upload.uploaded)
            )
    return report
