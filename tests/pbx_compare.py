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
    """`expected` found in a recording: `heard` of its `total` frames arrived, equal sample for
    sample and in order; `lost` frames never arrived (whole frames a loaded machine dropped);
    `padded` joins between files came with the player's padded short frame (see match_frames)."""

    start: int | None
    heard: int
    lost: int
    total: int
    differs: bool  # a recorded sample that neither a dropped run nor a padded join explains
    padded: int = 0

    @property
    def exact(self) -> bool:
        return self.start is not None and not self.differs and self.heard == self.total


def _resumes(recording: Pcm, pos: int, expected: Pcm, at: int, span: int) -> bool:
    """Whether the recording from `pos` equals `expected` from `at` (over `span` samples, or
    what is left of either)."""
    if at >= expected.size:
        return False
    got = recording[pos : pos + span]
    want = expected[at : at + got.size]
    return got.size > 0 and np.array_equal(got[: want.size], want)


def match_frames(
    recording: Pcm, expected: Pcm, frame: int, joins: Sequence[int] = (), probe: int = 4
) -> FrameMatch:
    """Compare `expected` (played as one stream in `frame`-sample frames) with the recording,
    allowing two things a real player does under load, and never a sample that differs:

    - a dropped run of whole frames. It need not start on a frame of the file: the recorder
      drops frames on its own grid, which starts wherever the recording began (seen: 3 frames,
      480 samples, dropped from sample 80 of a 160-sample frame).
    - a padded join. `joins` are the offsets in `expected` where one file ends and the next
      begins. FreeSWITCH 1.10.12's player, when a read at the end of a file leaves it fewer than
      a frame of samples (r), sends a full frame anyway: the r samples, from byte r on 0xFF, and
      the rest of the frame what its buffer held before (`memset(dp + olen, 255, llen - olen)`
      in switch_ivr_play_file). So within the last frame before a join the recording may differ,
      and the next file then starts up to a frame later than it would have. A join at the end
      of `expected` (the last file, followed by something not compared, such as
      `silence_stream://`, whose comfort noise is FreeSWITCH's) may differ in that last frame.

    At the first differing sample the rest of the recording must equal `expected` 1 to 50 whole
    frames later, or (within a frame before a join) from the join on, up to a frame later;
    checked over `probe` frames."""
    total = -(-expected.size // frame)
    start = locate(recording, expected[: min(expected.size, probe * frame)])
    if start is None:
        return FrameMatch(None, 0, total, total, True)
    lost = padded = 0
    i, pos = 0, start  # the next expected sample, and where it should be in the recording
    span = probe * frame
    while i < expected.size and pos < recording.size:
        size = min(expected.size - i, recording.size - pos)
        diff = np.flatnonzero(recording[pos : pos + size] != expected[i : i + size])
        if not diff.size:
            i += size
            break
        i, pos = i + int(diff[0]), pos + int(diff[0])
        skip = next(
            (n for n in range(1, 51) if _resumes(recording, pos, expected, i + n * frame, span)),
            None,
        )
        if skip is not None:
            lost, i = lost + skip, i + skip * frame
            continue
        join = next((j for j in joins if j - frame <= i <= j), None)
        if join == expected.size:  # the last file's padded frame: what follows is not ours
            padded, i = padded + 1, join
            break
        extra = (
            None
            if join is None
            else next(
                (
                    e
                    for e in range(frame + 1)
                    if _resumes(recording, pos + join - i + e, expected, join, span)
                ),
                None,
            )
        )
        if join is None or extra is None:
            left = -(-(expected.size - i) // frame)
            return FrameMatch(start, total - lost - left, lost, total, True, padded)
        padded, pos, i = padded + 1, pos + join - i + extra, join
    lost += -(-(expected.size - i) // frame)  # what the recording ended before
    return FrameMatch(start, total - lost, lost, total, False, padded)


def published_pairs(cfg: Config, locale: str | None = None) -> int:
    """How many prompt x locale pairs the set's manifest lists (of one locale, if given)."""
    manifest = json.loads((cfg.project.output / "manifest.json").read_text(encoding="utf-8"))
    return sum(1 for r in manifest["prompts"] if locale is None or r["locale"] == locale)
