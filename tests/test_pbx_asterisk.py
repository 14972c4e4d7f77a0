"""The published Asterisk set played by a real Asterisk 22 (`../shared/pbx/`): every prompt of
every language folder on slin, u-law, A-law and slin16 channels (and G.722 with `hd = true`),
recorded at the far end and compared sample by sample with the published files, decoded by
independent decoders (libsndfile for G.711 and PCM, libg722 for G.722).

Two Asterisks run side by side, one on the sample set and one on the same set built with
`[publish] hd = true`; all calls start at once (Asterisk plays in real time), so the module
takes about as long as the longest call.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr

from ivr_prompts.config import Config
from ivr_prompts.export.hd import g722_decode

from .pbx import Asterisk, asterisk_install
from .pbx_compare import (
    Pcm,
    best_offset,
    chunks,
    locate,
    matched_prefix,
    published_pairs,
    snr_db,
)

CALL_SECONDS = 20.0
# channel codec -> the recording's extension (its rate)
RECORD_AS = {"slin": "sln", "ulaw": "sln", "alaw": "sln", "slin16": "sln16", "g722": "sln16"}


@dataclass(frozen=True)
class Call:
    set_name: str  # "plain" or "hd"
    language: str | None  # None: the channel keeps its default language (en)
    names: list[str]
    codec: str
    recording: Path


def languages(cfg: Config) -> dict[str, list[tuple[str, float]]]:
    """Language folder -> (prompt id, seconds) of what it holds."""
    manifest = json.loads((cfg.project.output / "manifest.json").read_text())
    out: dict[str, list[tuple[str, float]]] = {}
    for record in manifest["prompts"]:
        folder = next(f["path"].split("/")[1] for f in record["files"] if f["target"] == "asterisk")
        out.setdefault(folder, []).append((record["id"], record["duration_s"]))
    return out


@pytest.fixture(scope="module")
def played(
    sample_set: Config, hd_sample_set: Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Call]]:
    """Every call, on two Asterisks (the sample set, and its HD build), made at once."""
    scratch = tmp_path_factory.mktemp("asterisk")
    install = asterisk_install(scratch / "install")
    sets = {"plain": sample_set, "hd": hd_sample_set}
    servers = {
        name: Asterisk(install, scratch / name, cfg.project.output / "asterisk")
        for name, cfg in sets.items()
    }
    calls: list[Call] = []
    try:
        for server in servers.values():
            server.start()
        for set_name, cfg in sets.items():
            codecs = ["slin", "ulaw", "alaw", "slin16"] + (["g722"] if set_name == "hd" else [])
            for language, prompts in languages(cfg).items():
                for group in chunks(prompts, CALL_SECONDS):
                    tries: list[tuple[str | None, str]] = [(language, c) for c in codecs]
                    if set_name == "hd" and language == "en":
                        tries.append((None, "slin"))  # a default channel: no language set
                    for lang, codec in tries:
                        out = scratch / f"rec-{len(calls)}.{RECORD_AS[codec]}"
                        servers[set_name].originate(lang, group, out, codec)
                        calls.append(Call(set_name, lang, group, codec, out))
        for server in servers.values():
            server.wait_idle(90)
        yield calls
    finally:
        for server in servers.values():
            server.stop()


def raw(path: Path, subtype: str, rate: int) -> Pcm:
    """A headerless file decoded by libsndfile."""
    data, _ = soundfile.read(
        str(path), format="RAW", subtype=subtype, samplerate=rate, channels=1, dtype="int16"
    )
    return np.asarray(data, dtype=np.int16)


def wav(path: Path) -> Pcm:
    with path.open("rb") as f:
        data, _ = soundfile.read(io.BytesIO(f.read()), dtype="int16")
    return np.asarray(data, dtype=np.int16)


def published(cfg: Config, folder: str, name: str, ext: str) -> Pcm:
    """One published file's samples, by an independent decoder."""
    path = cfg.project.output / "asterisk" / folder / f"{name}.{ext}"
    if ext == "ulaw":
        return raw(path, "ULAW", 8000)
    if ext == "alaw":
        return raw(path, "ALAW", 8000)
    if ext == "sln":
        return raw(path, "PCM_16", 8000)
    if ext == "sln16":
        return raw(path, "PCM_16", 16000)
    if ext == "wav16":
        return wav(path)
    assert ext == "g722"
    return g722_decode(path.read_bytes())


def recorded(call: Call) -> Pcm:
    rate = 16000 if RECORD_AS[call.codec] == "sln16" else 8000
    return raw(call.recording, "PCM_16", rate)


# Asterisk's WAV reader never plays the last 22 samples of a .wav/.wav16 (measured).
WAV_UNPLAYED = 22


def expected(cfg: Config, call: Call, ext: str) -> Pcm:
    """What the call carries when Asterisk plays `ext` files: the files back to back (a
    .wav16 without its last 22 samples; G.722 as one stream, its decoder's state running on
    from one file into the next)."""
    folder = call.language or "en"
    if ext == "g722":
        where = cfg.project.output / "asterisk" / folder
        return g722_decode(b"".join((where / f"{n}.g722").read_bytes() for n in call.names))
    parts = [published(cfg, folder, n, ext) for n in call.names]
    if ext == "wav16":
        parts = [p[:-WAV_UNPLAYED] for p in parts]
    return np.concatenate(parts)


# What each channel plays (measured; the tests below prove it sample by sample). A slin
# channel with only .ulaw and .alaw files takes either (equal cost: the one found first).
PLAYS: dict[tuple[str, str], tuple[str, ...]] = {
    ("plain", "slin"): ("ulaw", "alaw"),
    ("plain", "ulaw"): ("ulaw",),
    ("plain", "alaw"): ("alaw",),
    ("hd", "slin"): ("sln",),
    ("hd", "ulaw"): ("ulaw",),
    ("hd", "alaw"): ("alaw",),
    ("hd", "slin16"): ("wav16",),
    ("hd", "g722"): ("g722",),
}


@pytest.mark.parametrize(("set_name", "codec"), list(PLAYS))
def test_asterisk_every_prompt_plays_sample_exact(
    played: list[Call], sample_set: Config, hd_sample_set: Config, set_name: str, codec: str
) -> None:
    cfg = hd_sample_set if set_name == "hd" else sample_set
    checked = 0
    for call in played:
        if (call.set_name, call.codec) != (set_name, codec) or call.language is None:
            continue
        recording = recorded(call)
        wants = [expected(cfg, call, ext) for ext in PLAYS[(set_name, codec)]]
        where = f"{set_name} {call.language} {codec} {call.names}"
        found = [locate(recording, want) is not None for want in wants]
        assert any(found), (where, [matched_prefix(recording, w) for w in wants])
        checked += len(call.names)
    assert checked == published_pairs(cfg)  # every prompt, in its language folder (en, es)


def test_asterisk_hd_default_channel_plays_the_plain_en_folder_8khz_render(
    played: list[Call], hd_sample_set: Config
) -> None:
    """With hd = true, a channel left at its default language plays en/<id>.sln: the 8 kHz
    render, not Asterisk's resample of the 16 kHz file."""
    calls = [c for c in played if c.set_name == "hd" and c.language is None]
    assert sum(len(c.names) for c in calls) == published_pairs(hd_sample_set, locale="en-US")
    for call in calls:
        recording, want = recorded(call), expected(hd_sample_set, call, "sln")
        assert locate(recording, want) is not None, (call.names, matched_prefix(recording, want))


def test_asterisk_plain_set_on_a_16khz_channel_is_asterisks_resample(
    played: list[Call], sample_set: Config
) -> None:
    """Without hd, a 16 kHz channel gets the 8 kHz file resampled by Asterisk: near a careful
    resample (soxr HQ) of the decoded u-law file (measured 33-35 dB SNR), never the file
    itself. (The last file of each call is left out: its end is cut as the call hangs up.)"""
    snrs = []
    for call in (c for c in played if (c.set_name, c.codec) == ("plain", "slin16")):
        recording = recorded(call).astype(np.float64)
        for name in call.names[:-1]:
            narrow = published(sample_set, call.language or "en", name, "ulaw")
            careful = soxr.resample(narrow.astype(np.float64), 8000, 16000, quality="HQ")
            start = best_offset(recording, careful)
            snrs.append(snr_db(careful, recording[start : start + careful.size]))
    assert snrs
    assert min(snrs) > 25.0, snrs
