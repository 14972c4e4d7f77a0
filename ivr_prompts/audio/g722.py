"""G.722 at 64 kbit/s through libg722 (the `G722` package, the `hd` extra), imported on use."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from ..errors import AudioError
from .g711 import Int16Audio

RATE = 16000
BITRATE = 64000
EXTRA_HINT = "pip install 'ivr-prompts[hd]'"


def _library() -> ModuleType:
    try:
        import G722
    except ImportError as exc:
        raise AudioError(f"G.722 needs the G722 package, which is missing; {EXTRA_HINT}") from exc
    module: ModuleType = G722
    return module


def decode(data: bytes) -> Int16Audio:
    """16 kHz samples from G.722 bytes (one byte per two samples)."""
    decoded = _library().G722(RATE, BITRATE).decode(data)
    return np.asarray(decoded, dtype=np.int16)
