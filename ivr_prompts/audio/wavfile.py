"""WAV and headerless G.711/SLIN files: writers, a chunk-walking reader, ffmpeg for the rest."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import AudioError
from ..kinds import Codec, Container, FileCodec, RawCodec
from .dsp import to_pcm16
from .g711 import RATE, Int16Audio, decode, encode, g711_decode

RAW_EXTENSIONS: dict[str, RawCodec] = {
    ".ulaw": "ulaw",
    ".ul": "ulaw",
    ".pcmu": "ulaw",
    ".mu": "ulaw",
    ".alaw": "alaw",
    ".al": "alaw",
    ".pcma": "alaw",
    ".sln": "pcm16",
    ".raw": "pcm16",
}
FFMPEG_EXTENSIONS = frozenset({".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".wma"})
AUDIO_EXTENSIONS = frozenset({".wav", *RAW_EXTENSIONS, *FFMPEG_EXTENSIONS})

WAV_TAG_PCM = 1
WAV_TAG_FLOAT = 3
WAV_TAG_ALAW = 6
WAV_TAG_ULAW = 7
WAV_TAG_EXTENSIBLE = 0xFFFE
_G711_TAGS: dict[Codec, int] = {"ulaw": WAV_TAG_ULAW, "alaw": WAV_TAG_ALAW}


def raw_bytes(pcm: Int16Audio, codec: Codec) -> bytes:
    """Headerless G.711 (what Asterisk plays as .ulaw/.alaw)."""
    return encode(pcm, codec)


def g711_wav_bytes(pcm: Int16Audio, codec: Codec) -> bytes:
    """8 kHz mono G.711 WAV: 18-byte fmt, fact, data, even-padded; the 58-byte header SoX writes."""
    data = encode(pcm, codec)
    n = len(data)
    pad = n & 1
    header = b"".join(
        (
            b"RIFF",
            struct.pack("<I", 4 + 26 + 12 + 8 + n + pad),
            b"WAVE",
            b"fmt ",
            struct.pack("<IHHIIHHH", 18, _G711_TAGS[codec], 1, RATE, RATE, 1, 8, 0),
            b"fact",
            struct.pack("<II", 4, n),
            b"data",
            struct.pack("<I", n),
        )
    )
    return header + data + b"\0" * pad


def pcm16_wav_bytes(pcm: Int16Audio, rate: int = RATE) -> bytes:
    """16-bit PCM mono WAV with the canonical 44-byte header."""
    data = np.ascontiguousarray(pcm, dtype="<i2").tobytes()
    n = len(data)
    header = b"".join(
        (
            b"RIFF",
            struct.pack("<I", 36 + n),
            b"WAVE",
            b"fmt ",
            struct.pack("<IHHIIHH", 16, WAV_TAG_PCM, 1, rate, rate * 2, 2, 16),
            b"data",
            struct.pack("<I", n),
        )
    )
    return header + data


# --- reader ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AudioFile:
    """A decoded audio file (first channel, int16) plus what its header claims."""

    path: Path
    container: Container
    codec: FileCodec
    sample_rate: int
    channels: int
    bits: int
    # First channel only; empty (and decoded False) when the codec cannot be decoded.
    samples: Int16Audio
    # Places where the header does not tell the truth about the file.
    header_findings: list[str] = field(default_factory=list)
    file_size: int = 0
    format_tag: int | None = None
    decoded: bool = True
    detail: str = ""

    @property
    def duration_s(self) -> float:
        """Seconds of audio decoded."""
        return self.samples.size / self.sample_rate if self.sample_rate > 0 else 0.0


def read_audio(
    path: Path, *, raw_codec: str | None = None, ffmpeg: str | None = "ffmpeg"
) -> AudioFile:
    """Read WAV (own chunk walker), raw G.711/SLIN by extension, or other formats via ffmpeg."""
    path = Path(path)
    ext = path.suffix.lower()
    if raw_codec is not None and raw_codec not in ("pcm16", "ulaw", "alaw"):
        raise AudioError(f"{path}: raw codec {raw_codec!r} is unknown; use ulaw, alaw or pcm16")
    if raw_codec is None and ext not in RAW_EXTENSIONS and ext != ".wav":
        return _read_with_ffmpeg(path, ffmpeg)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AudioError(
            f"{path}: cannot read ({exc.strerror or exc}); check the path and permissions"
        ) from exc
    if raw_codec is not None or ext in RAW_EXTENSIONS:
        codec: RawCodec = RAW_EXTENSIONS.get(ext, "pcm16")
        if raw_codec is not None:
            codec = "ulaw" if raw_codec == "ulaw" else "alaw" if raw_codec == "alaw" else "pcm16"
        return _read_raw(path, data, codec)
    return _read_wav(path, data)


def _read_raw(path: Path, data: bytes, codec: RawCodec) -> AudioFile:
    findings: list[str] = []
    if data[:4] in (b"RIFF", b"RIFX", b"RF64"):
        findings.append(
            f"headerless {path.suffix or codec} file starts with a {data[:4].decode()} (WAV) "
            "header, which plays as a click; strip it (sox in.wav -t ul out.ulaw) "
            "or name the file .wav"
        )
    if codec == "pcm16":
        if len(data) % 2:
            findings.append(f"16-bit raw file has an odd size ({len(data)} bytes); it is truncated")
        samples = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.int16)
        bits = 16
    else:
        samples = decode(data, codec)
        bits = 8
    return AudioFile(
        path=path,
        container="raw",
        codec=codec,
        sample_rate=RATE,
        channels=1,
        bits=bits,
        samples=samples,
        header_findings=findings,
        file_size=len(data),
        detail=f"raw {codec} 8000 Hz mono",
    )


_TAG_NAMES = {1: "PCM", 3: "IEEE float", 6: "A-law", 7: "mu-law", 0xFFFE: "extensible"}


def _read_wav(path: Path, data: bytes) -> AudioFile:
    size = len(data)
    if size < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        magic = data[:4]
        if magic in (b"RIFX", b"RF64"):
            what = f"a {magic.decode()} file, which prompt platforms do not read"
        else:
            what = "not a RIFF/WAVE file"
        raise AudioError(f"{path}: {what}; convert it with sox to a standard .wav")
    findings: list[str] = []
    riff_size = struct.unpack_from("<I", data, 4)[0]
    if riff_size + 8 != size and riff_size + 8 != size - (size & 1):
        findings.append(
            f"RIFF size field says {riff_size + 8} bytes but the file has {size}; "
            "rewrite the file with a correct header"
        )
    fmt: bytes | None = None
    fact: int | None = None
    data_off = data_len = -1
    data_claim = 0
    pos = 12
    while pos + 8 <= size:
        cid = data[pos : pos + 4]
        clen = struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if cid == b"data":
            data_off, data_claim = body, clen
            data_len = min(clen, size - body)
            if clen > size - body:
                findings.append(
                    f"data chunk says {clen} bytes but only {size - body} follow; "
                    "the file is truncated or its header lies"
                )
            elif clen % 2 and body + clen == size:
                findings.append(
                    f"data chunk has an odd size ({clen}) without the pad byte RIFF requires"
                )
        elif cid == b"fmt ":
            if body + clen > size:
                raise AudioError(
                    f"{path}: the fmt chunk says {clen} bytes, past the end of the "
                    f"{size}-byte file; the header is corrupt: re-export it as a standard WAV"
                )
            fmt = data[body : body + clen]
        elif cid == b"fact" and clen >= 4 and body + 4 <= size:
            fact = struct.unpack_from("<I", data, body)[0]
        if body + clen > size and cid != b"data":
            findings.append(
                f"chunk {cid!r} at byte {pos} says {clen} bytes, past the end of the file"
            )
            break
        pos = body + clen + (clen & 1)
    if fmt is None or len(fmt) < 16:
        raise AudioError(f"{path}: WAV without a usable fmt chunk; re-export it as a standard WAV")
    if data_off < 0:
        raise AudioError(f"{path}: WAV without a data chunk; re-export it")
    tag, channels, rate, byte_rate, align, bits = struct.unpack_from("<HHIIHH", fmt, 0)
    real_tag = tag
    if tag == WAV_TAG_EXTENSIBLE and len(fmt) >= 26:
        real_tag = struct.unpack_from("<H", fmt, 24)[0]
    if real_tag != WAV_TAG_PCM:
        if len(fmt) < 18:
            findings.append(
                f"fmt chunk is {len(fmt)} bytes; a non-PCM WAV ({_TAG_NAMES.get(real_tag, tag)}) "
                "needs the 18-byte WAVEFORMATEX with cbSize"
            )
        if fact is None:
            findings.append(
                f"no fact chunk; a non-PCM WAV ({_TAG_NAMES.get(real_tag, tag)}) must give "
                "its sample count in one"
            )
    if channels < 1 or rate < 1:
        raise AudioError(f"{path}: fmt chunk says {channels} channels at {rate} Hz; re-export it")
    linear = real_tag in (WAV_TAG_PCM, WAV_TAG_FLOAT, WAV_TAG_ALAW, WAV_TAG_ULAW)
    frame = max(1, channels * ((bits + 7) // 8)) if linear else max(1, align)
    if linear and align != frame:
        findings.append(f"fmt block align is {align}, expected {frame} for {channels}x{bits} bits")
    if linear and byte_rate != rate * frame:
        findings.append(f"fmt byte rate is {byte_rate}, expected {rate * frame}")
    usable = data_len - data_len % frame
    if data_claim % frame and data_claim <= size - data_off:
        findings.append(f"data size {data_claim} is not a whole number of {frame}-byte frames")
    if fact is not None and linear and real_tag != WAV_TAG_PCM and fact != data_claim // frame:
        findings.append(
            f"fact chunk says {fact} samples but the data chunk holds {data_claim // frame}"
        )
    payload = data[data_off : data_off + usable]
    codec, first = _decode_wav_payload(payload, real_tag, bits, channels)
    return AudioFile(
        path=path,
        container="wav",
        codec=codec,
        sample_rate=rate,
        channels=channels,
        bits=bits,
        samples=first if first is not None else np.zeros(0, np.int16),
        header_findings=findings,
        file_size=size,
        format_tag=tag,
        decoded=first is not None,
        detail=f"WAV {_TAG_NAMES.get(real_tag, f'format {real_tag}')} {bits}-bit "
        f"{rate} Hz {channels} ch",
    )


def _decode_wav_payload(
    payload: bytes, tag: int, bits: int, channels: int
) -> tuple[FileCodec, Int16Audio | None]:
    raw = np.frombuffer(payload, dtype=np.uint8)
    codec: FileCodec
    if tag in (WAV_TAG_ULAW, WAV_TAG_ALAW) and bits == 8:
        codec = "ulaw" if tag == WAV_TAG_ULAW else "alaw"
        pcm = g711_decode(raw, codec)
    elif tag == WAV_TAG_PCM and bits == 16:
        codec, pcm = "pcm16", raw.view("<i2").astype(np.int16)
    elif tag == WAV_TAG_PCM and bits == 8:
        codec, pcm = "pcm8", ((raw.astype(np.int16) - 128) << 8).astype(np.int16)
    elif tag == WAV_TAG_PCM and bits == 24:
        b = raw.reshape(-1, 3).astype(np.int32)
        value = (b[:, 0] << 8) | (b[:, 1] << 16) | (b[:, 2] << 24)
        codec, pcm = "pcm24", (value >> 16).astype(np.int16)
    elif tag == WAV_TAG_PCM and bits == 32:
        codec, pcm = "pcm32", (raw.view("<i4") >> 16).astype(np.int16)
    elif tag == WAV_TAG_FLOAT and bits in (32, 64):
        values = raw.view("<f4" if bits == 32 else "<f8").astype(np.float32)
        codec, pcm = "float", to_pcm16(values)
    else:
        return "other", None
    return codec, np.ascontiguousarray(pcm.reshape(-1, channels)[:, 0])


def _read_with_ffmpeg(path: Path, ffmpeg: str | None) -> AudioFile:
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
            raise AudioError(f"{path}: no audio stream ({_sniff(path)}); check the file")
        pcm = subprocess.run(
            [exe, "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "s16le",
             "-acodec", "pcm_s16le", "-"],
            capture_output=True, check=True,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        err = exc.stderr if isinstance(exc.stderr, str) else exc.stderr.decode(errors="replace")
        detail = err.strip().splitlines()[-1] if err.strip() else f"exit {exc.returncode}"
        kind = _sniff(path)
        if kind != "unknown content":
            raise AudioError(f"{path}: no audio stream ({kind}); check the file") from exc
        detail = detail.removeprefix(f"{path}: ")
        raise AudioError(f"{path}: ffmpeg cannot decode it ({detail}); check the file") from exc
    stream = streams[0]
    channels = int(stream.get("channels", 1)) or 1
    rate = int(stream.get("sample_rate", 0))
    samples = np.frombuffer(pcm.stdout[: len(pcm.stdout) // (2 * channels) * 2 * channels], "<i2")
    name = str(stream.get("codec_name", "unknown"))
    return AudioFile(
        path=path,
        container="other",
        codec="other",
        sample_rate=rate,
        channels=channels,
        bits=16,
        samples=np.ascontiguousarray(samples.reshape(-1, channels)[:, 0]).astype(np.int16),
        file_size=path.stat().st_size,
        detail=f"{name} {rate} Hz {channels} ch",
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


def _sniff(path: Path) -> str:
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
