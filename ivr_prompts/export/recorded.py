"""What the exports last did for a published set, so a no-op build with exports stays a no-op.

After the exports of a build succeed, the project's cache folder records them against the
build's input digest: the upload destination (and endpoint), how many objects it holds, the
Connect instance, the archive's size and mtime. A later build whose fingerprint shows the very
same set, untouched, answers from this record: no request to S3 or Connect, no boto3, no archive
read. `build --verify-upload` skips the record and asks the bucket again (an object deleted or
changed there by someone else is only seen that way).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from ..config import Config
from . import ExportReport
from .connect import ConnectReport
from .s3 import Destination, UploadReport

log = logging.getLogger(__name__)

STATE = "exports.json"
STATE_VERSION = 1


def state_path(config: Config) -> Path:
    """The record lives in the project's cache folder, beside the syntheses."""
    return config.project.cache / STATE


def _destination(config: Config) -> dict[str, Any]:
    """What the exports go to: a record made for anything else is not this set's."""
    publish = config.publish
    return {
        "output": str(config.project.output.resolve()),
        "archive": publish.archive,
        "upload": publish.upload,
        # Another endpoint is another store, even under the same bucket name.
        "endpoint": os.environ.get("AWS_ENDPOINT_URL", "") if publish.upload else "",
        "connect": publish.connect_instance,
    }


def remember(config: Config, inputs: str | None, report: ExportReport) -> None:
    """Record a successful run of the exports for the set built from `inputs`."""
    path = state_path(config)
    if inputs is None:
        path.unlink(missing_ok=True)
        return
    state: dict[str, Any] = {
        "version": STATE_VERSION,
        "inputs": inputs,
        "for": _destination(config),
    }
    if report.archive is not None:
        st = report.archive.stat()
        state["archive"] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if report.upload is not None:
        state["objects"] = len(report.upload.uploaded) + report.upload.unchanged
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(state, sort_keys=True).encode())
    except OSError as exc:  # only a faster next no-op is lost
        log.debug("cannot record the exports in %s: %s", path, exc)


def forget(config: Config) -> None:
    """Drop the record: the next build checks every export again."""
    state_path(config).unlink(missing_ok=True)


def recall(config: Config, inputs: str | None) -> ExportReport | None:
    """What the exports of the set built from `inputs` did, when nothing they wrote can have
    changed on our side; None when they must run."""
    if inputs is None:
        return None
    try:
        state = json.loads(state_path(config).read_bytes())
        if state.get("version") != STATE_VERSION or state.get("inputs") != inputs:
            return None
        if state.get("for") != _destination(config):
            return None
        return _report(config, state)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _report(config: Config, state: dict[str, Any]) -> ExportReport | None:
    publish = config.publish
    report = ExportReport()
    if publish.archive is not None:
        from .archive import archive_path

        path = archive_path(config, publish.archive)
        st = path.stat()
        if [st.st_size, st.st_mtime_ns] != [state["archive"][k] for k in ("size", "mtime_ns")]:
            return None
        report.archive, report.archive_written = path, False
    if publish.upload is not None:
        report.upload = UploadReport(Destination.parse(publish.upload), [], int(state["objects"]))
        if publish.connect_instance is not None:
            report.connect = ConnectReport()
    return report
