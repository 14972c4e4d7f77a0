"""glibc's allocator, told to keep the memory numpy's audio arrays come and go in.

Every stage of the audio chain makes arrays of a few hundred kilobytes that live for a few
microseconds. With glibc's defaults, freeing them gives the pages back to the kernel (the heap
top is trimmed past 2x the adaptive mmap threshold) and the next array takes them again, one page
fault per 4 KiB: measured, 118 faults per block of the P.56 envelope and half of the chain's CPU
on a 2-core VM (BENCHMARKS.md section 4). Raising the two thresholds keeps those pages in the
process; the cost is at most `_TRIM` of freed memory held at the heap top.

Only the command line calls `tune`: the allocator is the process's, not a library's, to set.
A user's own MALLOC_* variables or GLIBC_TUNABLES are left to win.
"""

from __future__ import annotations

import ctypes
import os
import sys

# mallopt parameters (glibc malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Arrays under this come from the heap: 20 s of 48 kHz audio in float64 is 7.7 MB.
_MMAP = 8 << 20
# Freed memory at the heap top is given back only past this.
_TRIM = 16 << 20
_USER_SETTINGS = ("GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


def tune() -> bool:
    """Raise glibc's mmap and trim thresholds; False where that is not glibc or the user set
    them."""
    if sys.platform != "linux" or any(name in os.environ for name in _USER_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - musl has mallopt too, but not this
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM))
