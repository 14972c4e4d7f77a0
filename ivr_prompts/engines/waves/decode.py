"""Waves answers as samples: sniff what is not audio, parse RIFF, decode PCM and G.711."""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import Literal

import numpy as np

from ...audio import alaw_decode, ulaw_decode
from ...errors import EngineError
from ...kinds import WavesFormat
from .errors import vendor_message, with_id
from .shapes import AudioArray, TtsBody, TtsResult

Encoding = Literal["pcm", "ulaw", "alaw"]
_WAV_TAGS: dict[int, Encoding] = {1: "pcm", 6: "alaw", 7: "ulaw"}


def truncated(message: str, request_id: str | None) -> EngineError:
    """A retryable failure for an answer that was cut short."""
    return EngineError(
        with_id(message, request_id), status=200, request_id=request_id, retryable=True
    )


def check_audio_body(
    headers: Mapping[str, str], audio: bytes, received: int, request_id: str | None
) -> None:
    """Reject answers that are not audio: Waves labels every body audio/wav, so sniff it too.

    `headers` are the answer's (lower-case names); `received` counts the bytes on the wire.
    """
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    if not audio:
        raise truncated("Waves answered 200 with an empty body", request_id)
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and received < int(declared):
        raise truncated(f"Waves body was cut short: {received} of {declared} bytes", request_id)
    head = audio[:64].lstrip().lower()
    looks_json = head[:1] in (b"{", b"[") and _parses_as_json(audio)
    looks_html = head.startswith((b"<!doctype", b"<html", b"<?xml"))
    if ctype.startswith(("application/json", "text/")) or looks_json or looks_html:
        message, _ = vendor_message(audio)
        detail = f": {message}" if message else ""
        kind = "HTML" if looks_html or ctype == "text/html" else "JSON" if looks_json else ctype
        raise EngineError(
            with_id(f"Waves answered 200 with {kind} instead of audio{detail}", request_id),
            status=200,
            request_id=request_id,
        )


def _parses_as_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def parse_riff(data: bytes, request_id: str | None = None) -> tuple[Encoding, int, bytes]:
    """(encoding, sample rate, payload) of a mono RIFF/WAVE body; raises EngineError otherwise."""
    if len(data) < 12 or data[8:12] != b"WAVE":
        raise truncated("Waves WAV body has no complete RIFF/WAVE header", request_id)
    pos = 12
    fmt: tuple[int, int, int, int] | None = None
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        start = pos + 8
        if chunk_id == b"fmt " and start + 16 <= len(data):
            tag, channels, rate = struct.unpack_from("<HHI", data, start)
            (bits,) = struct.unpack_from("<H", data, start + 14)
            if tag == 0xFFFE and size >= 40 and start + 26 <= len(data):  # WAVE_FORMAT_EXTENSIBLE
                (tag,) = struct.unpack_from("<H", data, start + 24)
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            if fmt is None:
                break
            tag, channels, rate, bits = fmt
            encoding = _WAV_TAGS.get(tag)
            width = 2 if encoding == "pcm" else 1
            if encoding is None or channels != 1 or bits != 8 * width:
                raise EngineError(
                    with_id(
                        f"Waves WAV body is format {tag}, {channels} channel(s), {bits} bit; "
                        "expected mono 16-bit PCM or 8-bit G.711",
                        request_id,
                    ),
                    status=200,
                    request_id=request_id,
                )
            payload = data[start : start + size]
            # 0 and 0xFFFFFFFF are the streaming placeholders for "until the end".
            if size not in (0, 0xFFFFFFFF) and len(payload) < size:
                raise truncated(
                    f"Waves WAV body was cut short: {len(payload)} of {size} data bytes",
                    request_id,
                )
            if size in (0, 0xFFFFFFFF):
                payload = data[start:]
            return encoding, rate, payload
        pos = start + size + (size & 1)
    raise truncated("Waves WAV body has no fmt and data chunks", request_id)


def decode_audio(
    data: bytes, output_format: WavesFormat, sample_rate: int, request_id: str | None = None
) -> tuple[AudioArray, int]:
    """Samples in [-1, 1] and their rate from a body of the asked format; RIFF honoured."""
    encoding: Encoding = "pcm" if output_format in ("pcm", "wav") else output_format  # type: ignore[assignment]
    rate = sample_rate
    if data[:4] == b"RIFF":
        encoding, rate, data = parse_riff(data, request_id)
    if not data:
        raise truncated("Waves answered with no audio samples", request_id)
    if encoding == "pcm":
        if len(data) % 2:
            raise truncated(f"Waves PCM body has an odd length ({len(data)} bytes)", request_id)
        ints = np.frombuffer(data, dtype="<i2")
    else:
        raw = np.frombuffer(data, dtype=np.uint8)
        ints = ulaw_decode(raw) if encoding == "ulaw" else alaw_decode(raw)
    return (ints.astype(np.float32) / 32768.0), rate


def tts_result(
    body: TtsBody, audio: bytes, request_id: str | None, external: str | None
) -> TtsResult:
    """Decode inside the attempt, so a truncated or odd-sized body is a retryable failure."""
    samples, rate = decode_audio(audio, body["output_format"], body["sample_rate"], request_id)
    return TtsResult(audio, samples, rate, request_id, external)
