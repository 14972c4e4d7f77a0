"""The published FreeSWITCH set played by a real FreeSWITCH 1.10.12 (`../shared/pbx/`): every
prompt of every voice folder on L16 8 kHz, L16 16 kHz, PCMU and PCMA loopback calls, recorded at
the far end and compared sample by sample with the published WAVs (read by libsndfile), and the
published phrase index loaded beside a real phrase macro without an error.

All calls run at once (FreeSWITCH plays in real time): the module takes about as long as the
longest call, about 25 s.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile

from ivr_prompts.config import Config

from .pbx_compare import Pcm, chunks, match_frames, published_pairs
from .pbx_freeswitch import FreeSwitch, freeswitch
from .pbx_g711 import round_trip

# codec name in the test -> (loopback codec string, channel rate, G.711 law or None)
CODECS = {
    "L16@8000": ("L16@8000h@20i", 8000, None),
    "L16@16000": ("L16@16000h@20i", 16000, None),
    "PCMU": ("PCMU@8000h@20i", 8000, "ulaw"),
    "PCMA": ("PCMA@8000h@20i", 8000, "alaw"),
}
CALL_SECONDS = 20.0
TRAIL = "silence_stream://400"  # keeps the last file's last frames in the recording


@dataclass(frozen=True)
class Call:
    voice_dir: Path
    names: list[str]  # "main/welcome" (category/name), played as category/name.wav
    codec: str
    recording: Path


def voice_dirs(cfg: Config) -> list[Path]:
    root = cfg.project.output / "freeswitch"
    return sorted(p.parent for p in root.glob("*/*/*/phrase_*.xml"))


def plays(cfg: Config, voice_dir: Path) -> list[tuple[str, float]]:
    """(id, seconds) of the prompts published in one voice folder, in manifest order."""
    manifest = json.loads((cfg.project.output / "manifest.json").read_text())
    lang, country = voice_dir.parent.parent.name, voice_dir.parent.name
    return [
        (p["id"], p["duration_s"])
        for p in manifest["prompts"]
        if p["language"] == lang and p["locale"].lower().endswith(country)
    ]


@pytest.fixture(scope="module")
def played(
    hd_sample_set: Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[list[Call], FreeSwitch, Path]]:
    """Every call, made at once on one FreeSWITCH, then ended; with the phrase-macro call."""
    scratch = tmp_path_factory.mktemp("freeswitch")
    out = hd_sample_set.project.output
    voice = hd_sample_set.publish.freeswitch_voice
    glob = str(out / "freeswitch" / "*" / "*" / voice / "phrase_*.xml")
    calls: list[Call] = []
    with freeswitch(scratch, out, voice, glob) as fs:
        uuids = []
        for voice_dir in voice_dirs(hd_sample_set):
            for group in chunks(plays(hd_sample_set, voice_dir), CALL_SECONDS):
                for codec, (dial, _, _) in CODECS.items():
                    call = Call(voice_dir, group, codec, scratch / f"rec-{len(calls)}.wav")
                    files = "!".join(f"{n}.wav" for n in group)
                    play = f"file_string://{files}!{TRAIL}"
                    uuids.append(fs.call(dial, play, call.recording, prefix=voice_dir))
                    calls.append(call)
        phrase = scratch / "rec-phrase.wav"
        uuids.append(fs.call("L16@8000h@20i", "acme_welcome_menu", phrase, "phrase"))
        fs.wait_ended(uuids, 60)
        yield calls, fs, phrase


def read_pcm(path: Path) -> tuple[Pcm, int]:
    data, rate = soundfile.read(str(path), dtype="int16")
    return np.asarray(data, dtype=np.int16), int(rate)


def expected(call: Call) -> tuple[Pcm, list[int]]:
    """What the call should carry: the files of its rate folder back to back (file_string plays
    each file whole), through FreeSWITCH's G.711 on PCMU/PCMA; and where each file ends."""
    _, rate, law = CODECS[call.codec]
    parts = []
    for name in call.names:
        category, _, base = name.rpartition("/")
        pcm, file_rate = read_pcm(call.voice_dir / category / str(rate) / f"{base}.wav")
        assert file_rate == rate
        parts.append(round_trip(pcm, law) if law else pcm)
    return np.concatenate(parts), np.cumsum([p.size for p in parts]).tolist()


@pytest.mark.parametrize("codec", list(CODECS))
def test_freeswitch_every_prompt_plays_sample_exact(
    played: tuple[list[Call], FreeSwitch, Path], codec: str, sample_set: Config
) -> None:
    """Every sample that arrives equals the published audio's, in order. A loaded machine can
    make the recorder drop a run of whole frames now and then (seen at load 16 on 2 cores: 3 of
    1,190), and FreeSWITCH's player can pad a short frame at a join between two files (seen on
    one or two calls of eight, depending on the build's file lengths; pbx_compare.match_frames
    says what it sends). Dropped frames are allowed up to 1%, padded joins at most at half the
    joins (a player that padded them all would be broken); a sample that differs anywhere
    else never is."""
    calls, _, _ = played
    checked = heard = lost = padded = joins = 0
    mine = [c for c in calls if c.codec == codec]
    for call in mine:
        recording, rate = read_pcm(call.recording)
        assert rate == CODECS[codec][1], call
        pcm, ends = expected(call)
        # The last file is followed by the trailing silence stream: a join too.
        match = match_frames(recording, pcm, rate // 50, joins=ends)
        assert match.start is not None, (call, match)
        assert not match.differs, (call, match)
        checked, heard, lost = checked + len(call.names), heard + match.heard, lost + match.lost
        padded, joins = padded + match.padded, joins + len(ends)
    assert checked == published_pairs(sample_set)  # every prompt, in its voice folder
    assert lost <= heard // 100, (heard, lost)
    assert padded <= joins // 2, (padded, joins)


def test_freeswitch_phrase_index_loads_beside_a_phrase_macro(
    played: tuple[list[Call], FreeSwitch, Path], hd_sample_set: Config
) -> None:
    """The published phrase_<lang>.xml files, included after the real `en` language (as a
    lang/<lang>/*.xml glob puts them), load without an error and leave the macro working."""
    _, fs, phrase = played
    log = fs.log_text()
    assert "Can't find phrases tag" not in log
    assert "Error including" not in log
    assert not [line for line in log.splitlines() if "[ERR]" in line or "[CRIT]" in line]
    voice = voice_dirs(hd_sample_set)[0]
    assert voice.parent.parent.name == "en"
    recording, _ = read_pcm(phrase)
    # A macro plays each file by itself: each one's whole 20 ms frames, in order (its last
    # partial frame is filled up, and the gap between files varies with the machine's load).
    for name in ("welcome", "menu"):
        pcm, _ = read_pcm(voice / "main" / "8000" / f"{name}.wav")
        match = match_frames(recording, pcm[: pcm.size // 160 * 160], 160)
        assert match.start is not None, (name, match)
        assert not match.differs, (name, match)
        assert match.lost <= match.heard // 100, (name, match)
