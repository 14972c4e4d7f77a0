"""Formats we do not read ourselves: decoded by ffmpeg; a file that is not audio named by its
first bytes."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AudioError
from .g711 import Int16Audio


@dataclass(frozen=True)
class Decoded:
    """What ffmpeg made of a file: the first channel as int16, and the stream's facts."""

    samples: Int16Audio
    sample_rate: int
    channels: int
    codec_name: str
    file_size: int


def read_with_ffmpeg(path: Path, ffmpeg: str | None) -> Decoded:
    exe = shutil.which(ffmpeg) if ffmpeg else None
    probe = shutil.which("ffprobe", path=str(Path(exe).parent)) if exe else None
    if exe is None or probe is None:
        raise AudioError(
            f"{path}: reading {path.suffix or 'this'} files needs ffmpeg and ffprobe; "
            "install ffmpeg or convert the file to WAV"
        )
    if not path.is_file():
        raise AudioError(f"{path}: no such file; check the path")
    try:
        info = subprocess.run(
            [probe, "-v", "error", "-select_streams", "a:0", "-show_entries",
             "stream=codec_name,sample_rate,channels", "-of", "json", str(path)],
            capture_output=True, check=True, text=True,
        )  # fmt: skip
        streams = json.loads(info.stdout).get("streams", [])
        if not streams:
            raise AudioError(f"{path}: no audio stream ({sniff(path)}); check the file")
        pcm = subprocess.run(
            [exe, "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "s16le",
             "-acodec", "pcm_s16le", "-"],
            capture_output=True, check=True,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        err = exc.stderr if isinstance(exc.stderr, str) else exc.stderr.decode(errors="replace")
        detail = err.strip().splitlines()[-1] if err.strip() else f"exit {exc.returncode}"
        kind = sniff(path)
        if kind != "unknown content":
            raise AudioError(f"{path}: no audio stream ({kind}); check the file") from exc
        detail = detail.removeprefix(f"{path}: ")
        raise AudioError(f"{path}: ffmpeg cannot decode it ({detail}); check the file") from exc
    stream = streams[0]
    channels = int(stream.get("channels", 1)) or 1
    rate = int(stream.get("sample_rate", 0))
    samples = np.frombuffer(pcm.stdout[: len(pcm.stdout) // (2 * channels) * 2 * channels], "<i2")
    return Decoded(
        samples=np.ascontiguousarray(samples.reshape(-1, channels)[:, 0]).astype(np.int16),
        sample_rate=rate,
        channels=channels,
        codec_name=str(stream.get("codec_name", "unknown")),
        file_size=path.stat().st_size,
    )


_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
)


def sniff(path: Path) -> str:
    """What a file that is not audio looks like, from its first bytes."""
    try:
        with path.open("rb") as f:
            head = f.read(512)
    except OSError:
        return "unreadable"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"it is {what}"
    if not head:
        return "it is empty"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the sample
            return "unknown content"
        text = head[: exc.start].decode("utf-8")
    if all(c.isprintable() or c in "\t\r\n" for c in text):
        return "it is a text file"
    return "unknown content"
