"""PCM in numpy: G.711 tables, resampling, P.56 level, trim, normalise, WAV/raw read and write."""

from __future__ import annotations

import functools
import json
import logging
import math
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soxr

from .config import AudioSettings
from .errors import AudioError
from .kinds import Codec, Container, FileCodec, RawCodec

log = logging.getLogger(__name__)

Int16Audio = npt.NDArray[np.int16]
FloatAudio = npt.NDArray[np.float32]
Codes = npt.NDArray[np.uint8]


RATE = 8000
# Returned by the level meters for digital silence: finite, so it survives JSON and arithmetic.
SILENCE_DB = -100.0

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


# --- G.711 -------------------------------------------------------------------------------------


def _ramp() -> Int16Audio:
    return np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.int16)


def _ulaw_reference_encode(pcm: Int16Audio) -> Codes:
    """The G.191 mu-law compressor, vectorised: 14-bit magnitude, bias 33, complemented code."""
    lin = pcm.astype(np.int32)
    # One's complement for negatives, as the reference does, so -1 and 0 share a magnitude.
    mag = np.where(lin < 0, (~lin) >> 2, lin >> 2) + 33
    mag = np.minimum(mag, 0x1FFF)
    seg = np.ones_like(mag)
    top = mag >> 6
    while np.any(top):
        seg += (top != 0).astype(np.int32)
        top >>= 1
    low = 0xF - ((mag >> seg) & 0xF)
    code = ((0x8 - seg) << 4) | low
    signed: npt.NDArray[np.int32] = np.where(lin >= 0, code | 0x80, code)
    return signed.astype(np.uint8)


def _ulaw_reference_decode(codes: Codes) -> Int16Audio:
    """The G.191 mu-law expander."""
    c = codes.astype(np.int32)
    inv = (~c) & 0xFF
    exponent = (inv >> 4) & 0x7
    mantissa = inv & 0xF
    step = 4 << (exponent + 1)
    mag = (0x80 << exponent) + step * mantissa + step // 2 - 4 * 33
    return np.where(c < 0x80, -mag, mag).astype(np.int16)


def _alaw_reference_encode(pcm: Int16Audio) -> Codes:
    """The G.191 A-law compressor: 13 most significant bits, segment search, XOR 0x55."""
    lin = pcm.astype(np.int32)
    ix = np.where(lin < 0, (~lin) >> 4, lin >> 4)
    exp = np.zeros_like(ix)
    big = ix > 15
    work = ix.copy()
    exp[big] = 1
    while True:
        more = big & (work > 31)
        if not np.any(more):
            break
        work[more] >>= 1
        exp[more] += 1
    code = np.where(big, (work - 16) + (exp << 4), ix)
    code = np.where(lin >= 0, code | 0x80, code)
    return (code ^ 0x55).astype(np.uint8)


def _alaw_reference_decode(codes: Codes) -> Int16Audio:
    """The G.191 A-law expander."""
    c = codes.astype(np.int32)
    ix = (c ^ 0x55) & 0x7F
    exp = ix >> 4
    mant = ix & 0xF
    mant = np.where(exp > 0, mant + 16, mant)
    mant = (mant << 4) + 8
    mant = np.where(exp > 1, mant << np.maximum(exp - 1, 0), mant)
    return np.where(c > 127, mant, -mant).astype(np.int16)


@functools.cache
def _encode_table(codec: Codec) -> Codes:
    ramp = _ramp()
    table = _ulaw_reference_encode(ramp) if codec == "ulaw" else _alaw_reference_encode(ramp)
    table.setflags(write=False)
    return table


@functools.cache
def _decode_table(codec: Codec) -> Int16Audio:
    codes = np.arange(256, dtype=np.uint8)
    table = _ulaw_reference_decode(codes) if codec == "ulaw" else _alaw_reference_decode(codes)
    table.setflags(write=False)
    return table


def _check_codec(codec: str) -> Codec:
    if codec not in _G711_TAGS:
        raise AudioError(f"codec {codec!r}: unknown; use 'ulaw' or 'alaw'")
    return "ulaw" if codec == "ulaw" else "alaw"


def g711_encode(pcm: Int16Audio, codec: Codec) -> Codes:
    """Encode int16 PCM to G.711 codes, bit-exact with ITU-T G.191 g711.c."""
    table = _encode_table(_check_codec(codec))
    return table[np.ascontiguousarray(pcm, dtype=np.int16).view(np.uint16)]


def g711_decode(codes: Codes, codec: Codec) -> Int16Audio:
    """Decode G.711 codes to int16 PCM, bit-exact with ITU-T G.191 g711.c."""
    return _decode_table(_check_codec(codec))[np.asarray(codes, dtype=np.uint8)]


def ulaw_encode(pcm: Int16Audio) -> Codes:
    """Encode int16 PCM to mu-law codes (G.191 reference)."""
    return g711_encode(pcm, "ulaw")


def ulaw_decode(codes: Codes) -> Int16Audio:
    """Decode mu-law codes to int16 PCM (G.191 reference)."""
    return g711_decode(codes, "ulaw")


def alaw_encode(pcm: Int16Audio) -> Codes:
    """Encode int16 PCM to A-law codes (G.191 reference)."""
    return g711_encode(pcm, "alaw")


def alaw_decode(codes: Codes) -> Int16Audio:
    """Decode A-law codes to int16 PCM (G.191 reference)."""
    return g711_decode(codes, "alaw")


def encode(pcm: Int16Audio, codec: Codec) -> bytes:
    """Headerless G.711 bytes for int16 PCM."""
    return g711_encode(pcm, codec).tobytes()


def decode(data: bytes, codec: Codec) -> Int16Audio:
    """Int16 PCM from headerless G.711 bytes."""
    return g711_decode(np.frombuffer(data, dtype=np.uint8), codec)


# --- sample conversion and measurement ---------------------------------------------------------


def to_pcm16(x: FloatAudio) -> Int16Audio:
    """Float samples (full scale 1.0) to int16, rounded and clipped."""
    scaled = np.rint(np.asarray(x, dtype=np.float32) * np.float32(32768.0))
    clipped: npt.NDArray[np.float32] = np.clip(scaled, -32768, 32767)
    return clipped.astype(np.int16)


def to_float(pcm: Int16Audio) -> FloatAudio:
    """Int16 samples to float32 with full scale 1.0."""
    return np.asarray(pcm, dtype=np.float32) * np.float32(1.0 / 32768.0)


def resample(x: FloatAudio, rate_in: int, rate_out: int = RATE) -> FloatAudio:
    """Band-limited resampling through libsoxr (HQ); a no-op when the rates match."""
    data = np.ascontiguousarray(x, dtype=np.float32)
    if rate_in == rate_out or data.size == 0:
        return data
    if rate_in <= 0 or rate_out <= 0:
        raise AudioError(f"sample rate {rate_in} -> {rate_out}: must be positive")
    out: FloatAudio = np.asarray(soxr.resample(data, rate_in, rate_out, quality="HQ"), np.float32)
    return out


def peak_dbfs(x: FloatAudio) -> float:
    """Sample peak in dB re full scale 1.0; SILENCE_DB for digital silence."""
    if x.size == 0:
        return SILENCE_DB
    peak = float(np.max(np.abs(x)))
    return 20.0 * math.log10(peak) if peak > 0 else SILENCE_DB


def rms_dbfs(x: FloatAudio) -> float:
    """Plain RMS in dB re full scale 1.0 (pauses included); SILENCE_DB for silence."""
    if x.size == 0:
        return SILENCE_DB
    ms = float(np.mean(np.square(x, dtype=np.float64)))
    return 10.0 * math.log10(ms) if ms > 0 else SILENCE_DB


def _one_pole(u: npt.NDArray[np.float64], g: float) -> npt.NDArray[np.float64]:
    """y[n] = g*y[n-1] + (1-g)*u[n] from rest, vectorised in blocks.

    Within a block the recursion is g**i times a cumulative sum of u*g**-k; blocks are kept
    short enough that g**-k cannot overflow, and the state is carried between them.
    """
    n = u.size
    if n == 0:
        return u.copy()
    tc = 1.0 / max(-math.log(g), 1e-12)
    block = int(max(64, min(n, 40.0 * tc)))
    nb = -(-n // block)
    padded = np.zeros(nb * block, dtype=np.float64)
    padded[:n] = u
    blocks = padded.reshape(nb, block)
    k = np.arange(block, dtype=np.float64)
    up = g**-k
    down = g**k
    local = np.cumsum(blocks * ((1.0 - g) * up), axis=1) * down
    # The response of each block to the state it inherits: carry * g**(i+1).
    decay = down * g
    g_block = g**block
    ends = local[:, -1]
    carry = np.empty(nb, dtype=np.float64)
    state = 0.0
    for b in range(nb):
        carry[b] = state
        state = state * g_block + ends[b]
    out = local + carry[:, None] * decay[None, :]
    return out.reshape(-1)[:n]


def _sliding_max(x: npt.NDArray[np.float64], width: int) -> npt.NDArray[np.float64]:
    """max(x[n-width+1 .. n]) for every n, for non-negative x (van Herk / Gil-Werman)."""
    n = x.size
    total = n + width - 1
    nb = -(-total // width)
    padded = np.zeros(nb * width, dtype=np.float64)
    padded[width - 1 : width - 1 + n] = x
    blocks = padded.reshape(nb, width)
    prefix = np.maximum.accumulate(blocks, axis=1).reshape(-1)
    suffix = np.maximum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    return np.maximum(suffix[:n], prefix[width - 1 : width - 1 + n])


_P56_TIME_CONSTANT = 0.03
_P56_HANGOVER = 0.2
_P56_MARGIN_DB = 15.9
_P56_THRESHOLDS = 2.0 ** -np.arange(16, dtype=np.float64)[::-1]  # 2**-15 .. 1, ascending


def active_level_dbov(x: FloatAudio, rate: int) -> float:
    """ITU-T P.56 method B active level in dBov (0 dBov = full-scale RMS); SILENCE_DB if silent."""
    data = np.asarray(x, dtype=np.float64)
    if data.size == 0:
        return SILENCE_DB
    sq = float(np.einsum("i,i->", data, data))  # not np.dot: BLAS threads would spin after it
    if sq <= 0.0:
        return SILENCE_DB
    g = math.exp(-1.0 / (rate * _P56_TIME_CONSTANT))
    envelope = _one_pole(_one_pole(np.abs(data), g), g)
    hangover = round(_P56_HANGOVER * rate)
    # A sample is active for threshold c when the envelope reached c within the hangover.
    recent = _sliding_max(envelope, hangover + 1)
    above = np.searchsorted(_P56_THRESHOLDS, recent, side="right")
    hist = np.bincount(above, minlength=_P56_THRESHOLDS.size + 1)
    counts = np.cumsum(hist[::-1])[::-1][1:]  # counts[j] = samples with recent >= c_j
    c_db = 20.0 * np.log10(_P56_THRESHOLDS)
    prev: tuple[float, float] | None = None
    for j in range(_P56_THRESHOLDS.size):
        if counts[j] == 0:
            break
        a_db = 10.0 * math.log10(sq / counts[j])
        delta = a_db - float(c_db[j])
        if delta <= _P56_MARGIN_DB:
            if prev is None:
                return a_db
            prev_a, prev_delta = prev
            t = (prev_delta - _P56_MARGIN_DB) / (prev_delta - delta)
            return prev_a + t * (a_db - prev_a)
        prev = (a_db, delta)
    if prev is None:
        return SILENCE_DB
    return prev[0]


def high_pass(x: FloatAudio, rate: int, cutoff_hz: float = 80.0) -> FloatAudio:
    """First-order DC-blocking high-pass at `cutoff_hz`, unity gain at Nyquist."""
    data = np.asarray(x, dtype=np.float64)
    if data.size == 0:
        return np.asarray(x, dtype=np.float32)
    g = math.exp(-2.0 * math.pi * cutoff_hz / rate)
    # Start from the first sample so an offset at the very start causes no step.
    diff = np.diff(data, prepend=data[0])
    y = _one_pole(diff * ((1.0 + g) / (2.0 * (1.0 - g))), g)
    return y.astype(np.float32)


def speech_bounds(
    x: FloatAudio, rate: int, threshold_dbfs: float, window_ms: float = 10.0
) -> tuple[int, int] | None:
    """First and last sample index of sound above `threshold_dbfs` (10 ms RMS); None if none."""
    data = np.asarray(x, dtype=np.float64)
    n = data.size
    if n == 0:
        return None
    w = max(1, min(n, round(rate * window_ms / 1000.0)))
    level = 10.0 ** (threshold_dbfs / 20.0)
    cs = np.concatenate(([0.0], np.cumsum(data * data)))
    loud = np.flatnonzero((cs[w:] - cs[:-w]) > w * level * level)
    if loud.size == 0:
        return None
    first, last = int(loud[0]), int(loud[-1])
    head = np.flatnonzero(np.abs(data[first : first + w]) > level)
    tail = np.flatnonzero(np.abs(data[last : last + w]) > level)
    start = first + (int(head[0]) if head.size else 0)
    end = last + (int(tail[-1]) if tail.size else w - 1)
    return start, end


def trim(
    x: FloatAudio, rate: int, threshold_dbfs: float, lead_pad_ms: int, trail_pad_ms: int
) -> FloatAudio:
    """Cut edge silence keeping exactly the pads (zero-filled if short); silence -> empty array."""
    data = np.asarray(x, dtype=np.float32)
    bounds = speech_bounds(data, rate, threshold_dbfs)
    if bounds is None:
        return np.zeros(0, dtype=np.float32)
    start, end = bounds
    lead = round(rate * lead_pad_ms / 1000.0)
    trail = round(rate * trail_pad_ms / 1000.0)
    lo, hi = start - lead, end + 1 + trail
    body = data[max(lo, 0) : min(hi, data.size)]
    before, after = max(0, -lo), max(0, hi - data.size)
    if before or after:
        body = np.concatenate((np.zeros(before, np.float32), body, np.zeros(after, np.float32)))
    return np.ascontiguousarray(body, dtype=np.float32)


def normalize(x: FloatAudio, rate: int, target_dbov: float, headroom_db: float) -> FloatAudio:
    """Gain to `target_dbov` active level, lowered if the peak would pass -headroom_db dBFS."""
    data = np.asarray(x, dtype=np.float32)
    level = active_level_dbov(data, rate)
    if level <= SILENCE_DB:
        return data
    gain_db = target_dbov - level
    peak = peak_dbfs(data)
    ceiling = -headroom_db
    if peak + gain_db > ceiling:
        log.debug(
            "peak ceiling %.1f dBFS limits gain to %.2f dB (level target needs %.2f dB)",
            ceiling,
            ceiling - peak,
            gain_db,
        )
        gain_db = ceiling - peak
    return (data * np.float32(10.0 ** (gain_db / 20.0))).astype(np.float32)


@dataclass(frozen=True)
class Processed:
    """A prompt ready to encode: 8 kHz mono int16 and its measured facts."""

    pcm: Int16Audio
    level_dbov: float
    peak_dbfs: float
    duration_s: float


def _mono(samples: npt.NDArray[np.floating] | FloatAudio) -> FloatAudio:
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1, dtype=np.float32)
    if data.ndim != 1:
        raise AudioError(f"samples of shape {data.shape}: expected mono (n,) or (n, channels)")
    return data


def process(samples: FloatAudio, rate: int, settings: AudioSettings) -> Processed:
    """Mono 8 kHz prompt: resample, high-pass, normalise (P.56), trim edges, to int16."""
    x = resample(_mono(samples), rate, RATE)
    x = high_pass(x, RATE)
    # Normalising first makes the silence threshold relative to a known speech level,
    # whatever the engine produced; normalising again corrects the shift trimming causes
    # (P.56 counts a trailing pad inside its hangover as active).
    x = normalize(x, RATE, settings.level_dbov, settings.peak_headroom_db)
    x = trim(x, RATE, settings.silence_threshold_dbfs, settings.lead_pad_ms, settings.trail_pad_ms)
    x = normalize(x, RATE, settings.level_dbov, settings.peak_headroom_db)
    pcm = to_pcm16(x)
    final = to_float(pcm)
    return Processed(
        pcm=pcm,
        level_dbov=active_level_dbov(final, RATE),
        peak_dbfs=peak_dbfs(final),
        duration_s=pcm.size / RATE,
    )


# --- writers -----------------------------------------------------------------------------------


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
        pcm = subprocess.run(
            [exe, "-v", "error", "-i", str(path), "-map", "0:a:0", "-f", "s16le",
             "-acodec", "pcm_s16le", "-"],
            capture_output=True, check=True,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        err = exc.stderr if isinstance(exc.stderr, str) else exc.stderr.decode(errors="replace")
        detail = err.strip().splitlines()[-1] if err.strip() else f"exit {exc.returncode}"
        raise AudioError(f"{path}: ffmpeg cannot decode it ({detail}); check the file") from exc
    if not streams:
        raise AudioError(f"{path}: no audio stream; check the file")
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
