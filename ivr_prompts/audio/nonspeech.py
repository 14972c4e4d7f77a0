"""Non-speech prompts: sounds the tool makes itself (kind = "silence"), never sent to an engine.

A silence prompt is exact digital silence of `seconds` at the output rate: every sample is the
codec's code for zero (u-law 0xFF; A-law has no zero, its smallest step decodes to +/-8). It is
published, cached and listed like any other prompt; its transcript is a stage direction in
parentheses, as Asterisk's own list writes it ("(1 second of silence)").
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..kinds import PromptKind

# A-law's quietest code decodes to +/-8 (of 32768): exact silence stays within that step.
SILENCE_TOLERANCE = 8


def describe(kind: PromptKind, seconds: float) -> str:
    """The transcript of a non-speech prompt, as the indexes and the manifest list it."""
    unit = "second" if seconds == 1 else "seconds"
    return f"({seconds:g} {unit} of {kind})"


def samples(seconds: float, rate: int) -> npt.NDArray[np.int16]:
    """Exact digital silence: round(seconds * rate) zero samples."""
    return np.zeros(round(seconds * rate), dtype=np.int16)


def identity(kind: PromptKind, seconds: float) -> dict[str, object]:
    """Everything that decides a non-speech prompt's audio (its cache keys are made of it)."""
    return {"kind": kind, "seconds": seconds}


def check(pcm: npt.NDArray[np.int16], rate: int, seconds: float) -> list[str]:
    """Why decoded audio is not `seconds` of exact silence at `rate` (empty when it is)."""
    problems: list[str] = []
    want = round(seconds * rate)
    if pcm.size != want:
        problems.append(
            f"holds {pcm.size} samples; {seconds:g} s of silence at {rate} Hz is {want}; "
            "build it again"
        )
    peak = int(np.max(np.abs(pcm.astype(np.int32)))) if pcm.size else 0
    if peak > SILENCE_TOLERANCE:
        problems.append(
            f"is not silence: a sample reaches {peak} (exact silence stays within "
            f"+/-{SILENCE_TOLERANCE} of 32768); build it again"
        )
    return problems
