"""Asterisk's real core-sounds-en.txt, imported unedited and built (tests/core_sounds.py), played
by a real Asterisk 22: `silence/1` is 8,000 samples of digital silence and `followme/call-from`
is found under the name Asterisk plays (the list writes it `followme/call-from.wav`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from .core_sounds import build_core_sounds
from .pbx import Asterisk, asterisk_install
from .pbx_compare import Pcm, locate, matched_prefix

PLAYED = ["silence/1", "followme/call-from", "silence/1", "digits/1"]


def raw(path: Path, subtype: str) -> Pcm:
    data, _ = soundfile.read(
        str(path), format="RAW", subtype=subtype, samplerate=8000, channels=1, dtype="int16"
    )
    return np.asarray(data, dtype=np.int16)


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Path]]]:
    """The imported set (only what is played is built), played on u-law and A-law channels."""
    out = build_core_sounds(tmp_path_factory.mktemp("core"), only=("silence/1", *PLAYED[1::2]))
    scratch = tmp_path_factory.mktemp("asterisk-core")
    install = asterisk_install(scratch / "install")
    server = Asterisk(install, scratch / "state", out / "asterisk")
    recordings = {codec: scratch / f"rec-{codec}.sln" for codec in ("ulaw", "alaw")}
    try:
        server.start()
        for codec, path in recordings.items():
            server.originate("en", PLAYED, path, codec)
        server.wait_idle(60)
        yield out, recordings
    finally:
        server.stop()


@pytest.mark.parametrize(("codec", "subtype"), [("ulaw", "ULAW"), ("alaw", "ALAW")])
def test_asterisk_plays_imported_core_sounds_silence_and_renamed_entries(
    played: tuple[Path, dict[str, Path]], codec: str, subtype: str
) -> None:
    out, recordings = played
    folder = out / "asterisk" / "en"
    # Digital silence: u-law's zero code, A-law's smallest step (+8: A-law has no zero).
    quiet = 0 if codec == "ulaw" else 8
    silence = raw(folder / f"silence/1.{codec}", subtype)
    assert silence.size == 8000
    assert np.abs(silence).max() == quiet
    assert (folder / f"followme/call-from.{codec}").is_file()
    assert not (folder / f"followme/call-from.wav.{codec}").exists()
    want = np.concatenate([raw(folder / f"{name}.{codec}", subtype) for name in PLAYED])
    recording = raw(recordings[codec], "PCM_16")
    start = locate(recording, want)
    assert start is not None, matched_prefix(recording, want)
    assert np.abs(recording[start : start + 8000]).max() == quiet  # silence/1: one second
