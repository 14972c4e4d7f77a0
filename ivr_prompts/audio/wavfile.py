"""WAV and headerless G.711/SLIN files: writers, a chunk-walking reader, ffmpeg for the rest."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import AudioError
from ..kinds import Codec, Container, FileCodec, RawCodec
from . import g722
from .dsp import to_pcm16
from .foreign import read_with_ffmpeg
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
    # Asterisk's signed-linear formats name their rate (format_sln: .sln12 ... .sln192).
    **{f".sln{k}": "pcm16" for k in (12, 16, 24, 32, 44, 48, 96, 192)},
}
# Raw files whose extension says their rate; every other raw file is 8 kHz.
RAW_RATES: dict[str, int] = {f".sln{k}": k * 1000 for k in (12, 16, 24, 32, 48, 96, 192)}
RAW_RATES[".sln44"] = 44100
# Asterisk's 16 kHz PCM WAV is named .wav16; G.722 is raw, one byte per two 16 kHz samples.
WAV_EXTENSIONS = frozenset({".wav", ".wav16"})
G722_EXTENSIONS = frozenset({".g722"})
FFMPEG_EXTENSIONS = frozenset({".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".wma"})
AUDIO_EXTENSIONS = frozenset(
    {*WAV_EXTENSIONS, *RAW_EXTENSIONS, *G722_EXTENSIONS, *FFMPEG_EXTENSIONS}
)

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
    if raw_codec is None and ext not in AUDIO_EXTENSIONS - FFMPEG_EXTENSIONS:
        return _read_foreign(path, ffmpeg)
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
        return _read_raw(path, data, codec, RAW_RATES.get(ext, RATE))
    if ext in G722_EXTENSIONS:
        return _read_g722(path, data)
    return _read_wav(path, data)


def _read_foreign(path: Path, ffmpeg: str | None) -> AudioFile:
    got = read_with_ffmpeg(path, ffmpeg)
    return AudioFile(
        path=path,
        container="other",
        codec="other",
        sample_rate=got.sample_rate,
        channels=got.channels,
        bits=16,
        samples=got.samples,
        file_size=got.file_size,
        detail=f"{got.codec_name} {got.sample_rate} Hz {got.channels} ch",
    )


def _read_g722(path: Path, data: bytes) -> AudioFile:
    findings: list[str] = []
    if data[:4] in (b"RIFF", b"RIFX", b"RF64"):
        findings.append("raw .g722 file starts with a WAV header; publish the bare G.722 bytes")
    return AudioFile(
        path=path,
        container="raw",
        codec="pcm16",
        sample_rate=g722.RATE,
        channels=1,
        bits=16,
        samples=g722.decode(data),
        header_findings=findings,
        file_size=len(data),
        detail="G.722 64 kbit/s, decoded to 16000 Hz",
    )


def _read_raw(path: Path, data: bytes, codec: RawCodec, rate: int = RATE) -> AudioFile:
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
        sample_rate=rate,
        channels=1,
        bits=bits,
        samples=samples,
        header_findings=findings,
        file_size=len(data),
        detail=f"raw {codec} {rate} Hz mono",
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
