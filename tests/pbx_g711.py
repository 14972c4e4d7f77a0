"""G.711 as FreeSWITCH codes it (spandsp's g711.h, which its core PCMU/PCMA codecs use), written
out here from the algorithm so the real-FreeSWITCH test can predict what a PCMU or PCMA call
carries without our own encoder.

It differs from the ITU-T G.191 reference on mu-law: spandsp biases the full 16-bit magnitude
(0x84) where G.191 first drops the two low bits with a ones' complement for negatives, so for
example -4 comes back as -8 from FreeSWITCH and 0 from G.191; on A-law, spandsp takes a negative
sample's magnitude as -x - 8 where G.191 takes -x - 1 (-19 comes back as -8, not -24).
Both checked sample-exact against recordings of a real FreeSWITCH 1.10.12.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

_ULAW_BIAS = 0x84
_ALAW_AMI_MASK = 0x55


def _segment(magnitude: int) -> int:
    return (magnitude | 0xFF).bit_length() - 1 - 7


def _ulaw_encode(linear: int) -> int:
    mask = 0x7F if linear < 0 else 0xFF
    magnitude = _ULAW_BIAS - linear if linear < 0 else _ULAW_BIAS + linear
    seg = _segment(magnitude)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((magnitude >> (seg + 3)) & 0x0F)) ^ mask


def _ulaw_decode(code: int) -> int:
    u = ~code & 0xFF
    t = (((u & 0x0F) << 3) + _ULAW_BIAS) << ((u & 0x70) >> 4)
    return _ULAW_BIAS - t if u & 0x80 else t - _ULAW_BIAS


def _alaw_encode(linear: int) -> int:
    mask = _ALAW_AMI_MASK | 0x80 if linear >= 0 else _ALAW_AMI_MASK
    magnitude = linear if linear >= 0 else -linear - 8  # spandsp: -8, where G.191 takes -1
    if magnitude < 0:  # -1 .. -7: "just below zero", the smallest negative code
        return 0x00 ^ mask
    seg = _segment(magnitude)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((magnitude >> (seg + 3 if seg else 4)) & 0x0F)) ^ mask


def _alaw_decode(code: int) -> int:
    a = code ^ _ALAW_AMI_MASK
    i = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    i = (i + 0x108) << (seg - 1) if seg else i + 8
    return i if a & 0x80 else -i


@cache
def _round_trip_table(law: str) -> npt.NDArray[np.int16]:
    encode, decode = (_ulaw_encode, _ulaw_decode) if law == "ulaw" else (_alaw_encode, _alaw_decode)
    return np.array([decode(encode(v)) for v in range(-32768, 32768)], dtype=np.int16)


def round_trip(pcm: npt.NDArray[np.int16], law: str) -> npt.NDArray[np.int16]:
    """What a FreeSWITCH PCMU ("ulaw") or PCMA ("alaw") call delivers for 16-bit `pcm`."""
    table = _round_trip_table(law)
    return table[pcm.astype(np.int32) + 32768]
