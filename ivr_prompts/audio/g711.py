"""G.711 mu-law and A-law: tables built from the ITU-T G.191 reference algorithm."""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from ..errors import AudioError
from ..kinds import Codec

Int16Audio = npt.NDArray[np.int16]
Codes = npt.NDArray[np.uint8]

# G.711 is defined at 8000 samples/s; every published prompt uses it.
RATE = 8000
_CODECS: tuple[Codec, ...] = ("ulaw", "alaw")


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
    if codec not in _CODECS:
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
