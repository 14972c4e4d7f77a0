"""Facts about the machine and the software a run measured."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import subprocess
import sys
from pathlib import Path

from .measure import REPO

PACKAGES = (
    "ivr-prompts",
    "numpy",
    "soxr",
    "httpx",
    "jinja2",
    "click",
    "rich",
    "espeakng-loader",
    "piper-tts",
    "onnxruntime",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _git_output(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, check=True, timeout=10
    ).stdout.strip()


def _git() -> str:
    try:
        head = _git_output("rev-parse", "--short", "HEAD")
        dirty = _git_output("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' (with uncommitted changes)' if dirty else ''}"


def facts() -> list[tuple[str, str]]:
    """(name, value) rows for the report header."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        ("date", now),
        ("commit", _git()),
        ("CPU", _cpu_model()),
        ("cores available", str(cores)),
        ("RAM", _ram_gib()),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_implementation()} {sys.version.split()[0]}"),
    ]
    rows.extend((name, _version(name)) for name in PACKAGES)
    return rows
