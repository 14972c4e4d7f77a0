"""The comparison the FreeSWITCH test trusts (pbx_compare.match_frames), on made-up recordings
whose every difference is known: what it accepts is what a loaded PBX does, nothing else."""

from __future__ import annotations

import numpy as np

from .pbx_compare import Pcm, match_frames

FRAME = 160


def signal(n: int, seed: int) -> Pcm:
    return np.random.default_rng(seed).integers(-3000, 3000, n).astype(np.int16)


def played(*parts: Pcm, lead: int = 2000) -> Pcm:
    return np.concatenate([np.zeros(lead, np.int16), *parts, np.zeros(3200, np.int16)])


def test_an_exact_recording_is_exact() -> None:
    a = signal(10_000, 1)
    match = match_frames(played(a), a, FRAME)
    assert match.exact
    assert match.start == 2000
    assert match.lost == 0


def test_a_run_of_whole_frames_dropped_off_the_files_grid_is_lost_not_different() -> None:
    a = signal(20_000, 2)
    cut = 80 + 60 * FRAME  # sample 80 of frame 60: the recorder's grid
    match = match_frames(played(a[:cut], a[cut + 3 * FRAME :]), a, FRAME)
    assert not match.differs
    assert match.lost == 3
    assert match.heard == match.total - 3


def test_one_changed_sample_differs() -> None:
    a = signal(20_000, 3)
    rec = played(a)
    rec[2000 + 12_345] ^= 1
    match = match_frames(rec, a, FRAME)
    assert match.differs


def test_a_dropped_run_that_is_not_whole_frames_differs() -> None:
    a = signal(20_000, 4)
    cut = 5000
    assert match_frames(played(a[:cut], a[cut + FRAME - 1 :]), a, FRAME).differs


def padded_join(a: Pcm, short: int) -> Pcm:
    """What FreeSWITCH sends for a's last `short` samples: a full frame whose bytes from
    `short` on are 0xFF, then the second half of the frame before it."""
    last = a[-short:].copy()
    frame = np.concatenate([last, np.zeros(FRAME - short, np.int16)])
    raw = bytearray(frame.tobytes())
    raw[short:FRAME] = b"\xff" * (FRAME - short)
    out = np.frombuffer(bytes(raw), np.int16).copy()
    out[FRAME // 2 :] = a[-short - FRAME // 2 : -short]
    return np.concatenate([a[:-short], out])


def test_a_padded_join_is_accepted_only_at_a_join() -> None:
    a, b = signal(32_845, 5), signal(8000, 6)
    expected = np.concatenate([a, b])
    rec = played(padded_join(a, 125), b)
    match = match_frames(rec, expected, FRAME, joins=[a.size])
    assert not match.differs
    assert match.padded == 1
    assert match.lost == 0
    assert match_frames(rec, expected, FRAME).differs  # not where no file ends
    assert match_frames(rec, expected, FRAME, joins=[a.size + 2 * FRAME]).differs


def test_inserted_samples_away_from_a_join_differ() -> None:
    a, b = signal(20_000, 7), signal(8000, 8)
    rec = played(a[:9000], np.full(40, -1, np.int16), a[9000:], b)
    match = match_frames(rec, np.concatenate([a, b]), FRAME, joins=[a.size])
    assert match.differs


def test_the_last_files_padded_frame_is_accepted_only_when_its_end_is_a_join() -> None:
    a = signal(32_845, 9)
    rec = played(padded_join(a, 125))
    match = match_frames(rec, a, FRAME, joins=[a.size])
    assert not match.differs
    assert match.padded == 1
    assert match_frames(rec, a, FRAME).differs
