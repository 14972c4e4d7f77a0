"""Files a published set declares as non-speech (kind = "silence" in its manifest.json).

`validate dist` learns from the set's manifest (publish/verify.py) which files are N seconds of
silence: each is checked as exactly that (and not by the level, edge and "no sound" rules, which
it fails by design); every other file, as before.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..audio.nonspeech import check
from .checks import Finding


def silence_findings(
    path: Path, pcm: npt.NDArray[np.int16], rate: int, seconds: float
) -> list[Finding]:
    """The problems of a file declared as `seconds` of silence."""
    return [Finding(str(path), "silence", "error", m) for m in check(pcm, rate, seconds)]
