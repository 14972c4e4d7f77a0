"""A prompt spoken in parts: each part processed on its own, joined by exact digital silence.

The chain of `chain.process`, applied so that a pause stays what was asked: every part is
resampled and high-passed by itself (the filter cannot ring into the pause), all parts share one
gain (P.56 over the speech of all of them), each part is cut to its own speech with a
raised-cosine ramp into true zeros at its cut edges (pads only at the prompt's outer edges), and
the parts are joined with zeros. The final level + limit is a per-sample gain, so the zeros stay
zeros. A pause of N ms is then exactly N ms of digital silence in every published format: the
quiet ends of the ramps (samples G.711 codes as its silence) are made 0 and counted in the
pause, not added to it. 16-bit PCM and u-law decode the pause to 0; A-law has no code for 0, and
decodes it to +8 (-72 dBFS), as it does every silence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..errors import AudioError
from .chain import G711_MARGIN_DB, Processed, ProcessSettings, verify
from .dsp import (
    FloatAudio,
    active_level_dbov,
    high_pass,
    mono,
    peak_dbfs,
    resample,
    to_float,
    to_pcm16,
)
from .edges import cut, edge_threshold_dbfs, find_speech
from .g711 import RATE, Int16Audio
from .limiter import level_to_target

# A-law codes every sample in [-16, 15] as its silence (+-8), u-law every one in [-4, 3] (0): a
# sample this quiet beside a pause would decode as part of it. Made 0, it is part of it (at -66
# dBFS, the last step of a ramp that ends in silence anyway).
QUIET = 16

# A part of a prompt: its speech (samples, sample rate) or a pause in milliseconds.
Segment = tuple[FloatAudio, int] | int


def pause_samples(ms: int, rate: int = RATE) -> int:
    """The samples of a pause of `ms` milliseconds at `rate` (rounded to the nearest)."""
    return round(ms * rate / 1000)


def process_parts(
    segments: Sequence[Segment], settings: ProcessSettings, rate_out: int = RATE
) -> Processed:
    """The spoken parts joined by their pauses, at the target level; AudioError if a part has
    no speech or the result misses a rule (level, peak, quiet outer edges)."""
    spoken = [i for i, s in enumerate(segments) if not isinstance(s, int)]
    if not spoken:
        raise AudioError("a prompt of pauses only has nothing to speak; give it words")
    target = settings.level_dbov
    ceiling = -settings.peak_headroom_db - G711_MARGIN_DB
    filtered: list[FloatAudio] = []
    for segment in segments:
        if not isinstance(segment, int):
            x = resample(mono(segment[0]), segment[1], rate_out)
            filtered.append(high_pass(x, rate_out, settings.highpass_hz, settings.highpass_order))
    # One gain for all parts: measured (and limited) over their speech back to back.
    joined = level_to_target(np.concatenate(filtered), rate_out, target, ceiling)
    ends = np.cumsum([x.size for x in filtered])[:-1]
    levelled = np.split(joined, ends)
    threshold = edge_threshold_dbfs(
        target, settings.edge_margin_db, settings.silence_threshold_dbfs
    )
    pieces: list[FloatAudio] = []
    pauses: list[tuple[int, int]] = []  # (start, length) of each pause between two parts
    at = 0
    speech_samples = 0
    for n, segment in enumerate(segments):
        if isinstance(segment, int):
            length = pause_samples(segment, rate_out)
            if spoken[0] < n < spoken[-1]:
                pauses.append((at, length))
            pieces.append(np.zeros(length, np.float32))
            at += length
            continue
        k = spoken.index(n)
        x = levelled[k]
        bounds = find_speech(x, rate_out, threshold)
        if bounds is None:
            raise AudioError(
                f"spoken part {k + 1} of {len(spoken)} has no sound above the "
                f"{threshold:.0f} dBFS onset threshold; check its text"
            )
        speech_samples += bounds[1] - bounds[0] + 1
        lead = settings.lead_pad_ms if k == 0 else 0
        trail = settings.trail_pad_ms if k == len(spoken) - 1 else 0
        piece = cut(x, rate_out, bounds, lead, trail, settings.fade_ms)
        pieces.append(piece)
        at += piece.size
    x = level_to_target(np.concatenate(pieces), rate_out, target, ceiling)
    pcm = exact_pauses(to_pcm16(x), pauses)
    final = to_float(pcm)
    done = Processed(
        pcm=pcm,
        level_dbov=active_level_dbov(final, rate_out),
        peak_dbfs=peak_dbfs(final),
        duration_s=pcm.size / rate_out,
        speech_s=speech_samples / rate_out,
    )
    verify(done, final, settings, rate_out)
    return done


def exact_pauses(pcm: Int16Audio, pauses: Sequence[tuple[int, int]]) -> Int16Audio:
    """Each pause (start, length) as exactly `length` samples of silence: the quiet samples
    the ramps leave beside it are made 0 and as many zeros are taken out of the pause."""
    out = np.array(pcm, copy=True)
    drop: list[npt.NDArray[np.intp]] = []
    for start, length in pauses:
        before = _quiet_run(out[:start][::-1])
        after = _quiet_run(out[start + length :])
        out[start - before : start + length + after] = 0
        # The run is now before + length + after long: take out what it gained, from its middle.
        extra = min(before + after, length)
        middle = start + (length - extra) // 2
        drop.append(np.arange(middle, middle + extra))
    if not drop:
        return out
    kept: Int16Audio = np.delete(out, np.concatenate(drop))
    return kept


def _quiet_run(x: Int16Audio) -> int:
    """How many samples from the start of `x` are quiet enough to decode as silence."""
    loud = np.flatnonzero((x < -QUIET) | (x > QUIET))
    return int(loud[0]) if loud.size else int(x.size)
