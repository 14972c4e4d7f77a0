"""Comparing what a real PBX played with the published files: find the played audio in a
recording, sample by sample; split a set into calls of bounded length."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ivr_prompts.config import Config

Pcm = npt.NDArray[np.int16]


def locate(recording: Pcm, expected: Pcm) -> int | None:
    """Where `expected` lies in `recording` sample for sample, else None."""
    if expected.size == 0 or expected.size > recording.size:
        return None
    nonzero = np.flatnonzero(expected)
    first = int(nonzero[0]) if nonzero.size else 0
    for hit in np.flatnonzero(recording == expected[first]).tolist():
        start = hit - first
        end = start + expected.size
        if start >= 0 and end <= recording.size and np.array_equal(recording[start:end], expected):
            return start
    return None


def matched_prefix(recording: Pcm, expected: Pcm) -> tuple[int, int]:
    """For a failure message: (start, how many samples from it match) of the best alignment of
    the first 20 ms with a nonzero sample."""
    nonzero = np.flatnonzero(expected)
    first = int(nonzero[0]) if nonzero.size else 0
    probe = expected[first : first + 160]
    best = (-1, 0)
    for hit in np.flatnonzero(recording == probe[0]).tolist():
        start = hit - first
        if start < 0:
            continue
        window = recording[start : start + expected.size]
        diff = np.flatnonzero(window != expected[: window.size])
        same = int(diff[0]) if diff.size else window.size
        best = max(best, (start, same), key=lambda b: b[1])
    return best


def snr_db(reference: npt.NDArray[np.floating], test: npt.NDArray[np.floating]) -> float:
    """Signal-to-error ratio of `test` against `reference` (same length), in dB."""
    error = float(np.sum((reference - test) ** 2))
    return float("inf") if error == 0 else 10 * np.log10(float(np.sum(reference**2)) / error)


def chunks(durations: Sequence[tuple[str, float]], limit_s: float) -> list[list[str]]:
    """Prompt names grouped so each group plays at most `limit_s` (a longer prompt is a group by
    itself), first-fit by decreasing length: one call per group, all calls at once."""
    groups: list[tuple[float, list[str]]] = []
    for name, seconds in sorted(durations, key=lambda d: -d[1]):
        for i, (total, names) in enumerate(groups):
            if total + seconds <= limit_s:
                groups[i] = (total + seconds, [*names, name])
                break
        else:
            groups.append((seconds, [name]))
    return [names for _, names in groups]


def best_offset(recording: npt.NDArray[np.floating], reference: npt.NDArray[np.floating]) -> int:
    """The lag of `reference` in `recording` with the largest cross-correlation (by FFT)."""
    n = 1 << int(np.ceil(np.log2(recording.size + reference.size)))
    spectrum = np.fft.rfft(recording, n) * np.conj(np.fft.rfft(reference, n))
    lags = np.fft.irfft(spectrum, n)[: recording.size - reference.size + 1]
    return int(np.argmax(lags))


@dataclass(frozen=True)
class FrameMatch:
    """`expected` found in a recording frame by frame: `heard` frames equal, in order, to frames
    of `expected`; `lost` frames of it never arrived (whole frames a loaded machine dropped)."""

    start: int | None
    heard: int
    lost: int
    total: int
    differs: bool  # a recorded frame equal to no nearby frame of `expected`

    @property
    def exact(self) -> bool:
        return self.start is not None and not self.differs and self.heard == self.total


def match_frames(recording: Pcm, expected: Pcm, frame: int) -> FrameMatch:
    """Compare `expected` (played as one stream in `frame`-sample frames) with the recording,
    allowing whole frames to be missing but never a frame that differs: every recorded frame
    from the first must equal the next expected frame, or one a few frames later."""
    total = -(-expected.size // frame)
    head = expected[: min(expected.size, 4 * frame)]
    start = locate(recording, head)
    if start is None:
        return FrameMatch(None, 0, total, total, True)
    heard = lost = 0
    j = 0  # the next expected frame
    pos = start
    while j < total and pos < recording.size:
        want = expected[j * frame : (j + 1) * frame]
        got = recording[pos : pos + want.size]
        if np.array_equal(got, want):
            heard, j, pos = heard + 1, j + 1, pos + frame
            continue
        ahead = next(
            (
                k
                for k in range(j + 1, min(total, j + 50))
                if np.array_equal(
                    recording[pos : pos + expected[k * frame : (k + 1) * frame].size],
                    expected[k * frame : (k + 1) * frame],
                )
            ),
            None,
        )
        if ahead is None:  # a frame that is no frame of the file: a real difference
            return FrameMatch(start, heard, lost, total, True)
        lost, j = lost + ahead - j, ahead
    return FrameMatch(start, heard, lost + (total - j), total, False)


def published_pairs(cfg: Config, locale: str | None = None) -> int:
    """How many prompt x locale pairs the set's manifest lists (of one locale, if given)."""
    manifest = json.loads((cfg.project.output / "manifest.json").read_text(encoding="utf-8"))
    return sum(1 for r in manifest["prompts"] if locale is None or r["locale"] == locale)
