"""What a review row holds: one prompt x locale, its audio now and before, and how they differ."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from .. import audio, validate
from ..errors import IvrPromptsError
from ..kinds import Severity
from ..publish.manifest import PromptRecord
from .before import audio_file
from .diff import Piece, substitutions, word_diff
from .sources import PublishedSet

Change = Literal["new", "changed", "unchanged", "removed"]
Status = Literal["new", "changed", "unchanged", "removed", "failing"]
ClipCodec = Literal["ulaw", "alaw", "pcm16"]

# Rows in the order a reviewer wants them: what needs a decision first.
ORDER: tuple[Status, ...] = ("failing", "changed", "new", "removed", "unchanged")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Clip:
    """Published audio exactly as stored: G.711 codes (or 16-bit PCM), 8 kHz mono."""

    codec: ClipCodec
    payload: bytes  # one byte per sample for G.711, two (little-endian) for PCM

    @property
    def key(self) -> str:
        return hashlib.sha256(self.codec.encode() + self.payload).hexdigest()[:16]

    @property
    def samples(self) -> int:
        return len(self.payload) // (2 if self.codec == "pcm16" else 1)


@dataclass(frozen=True)
class Finding:
    severity: Severity
    check: str
    message: str


@dataclass(frozen=True)
class Version:
    """One side of a row: the manifest record and its audio (None when it was not kept)."""

    record: PromptRecord
    clip: Clip | None
    findings: tuple[Finding, ...] = ()

    @property
    def words_per_minute(self) -> float:
        seconds = self.record["duration_s"]
        words = len(_WORD.findall(self.record["spoken_text"]))  # as spoken: "$5" is two words
        return words * 60.0 / seconds if seconds > 0 else 0.0


@dataclass(frozen=True)
class Row:
    prompt_id: str
    locale: str
    change: Change
    after: Version | None
    before: Version | None
    text_diff: list[Piece] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """The contract's data-status: failing wins over the change it carries."""
        if self.after is not None and any(f.severity == "error" for f in self.after.findings):
            return "failing"
        return self.change

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.after.findings) if self.after else 0

    def spoken(self) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
        """The current (else the removed) transcript and spoken text, substitutions marked."""
        version = self.after or self.before
        assert version is not None
        return substitutions(version.record["text"], version.record["spoken_text"])


RulesFor = Callable[[str], validate.Rules]


def build_rows(current: PublishedSet, previous: PublishedSet | None, rules: RulesFor) -> list[Row]:
    """Every prompt x locale of both sets, compared, checked against `rules(prompt id)`, in
    ORDER."""
    now = {(r["id"], r["locale"]): r for r in current.manifest["prompts"]}
    old = {(r["id"], r["locale"]): r for r in previous.manifest["prompts"]} if previous else {}
    rows: list[Row] = []
    for key in sorted(now.keys() | old.keys()):
        rec_now, rec_old = now.get(key), old.get(key)
        after = _version(current.root, rec_now, rules(key[0])) if rec_now is not None else None
        before = None
        if rec_old is not None and previous is not None:
            before = _before(previous.root, rec_old, after)
        change = _change(after, before)
        text_diff = (
            word_diff(before.record["text"], after.record["text"])
            if change == "changed" and before and after
            else []
        )
        rows.append(Row(key[0], key[1], change, after, before, text_diff))
    rows.sort(key=lambda r: ORDER.index(r.status))
    return rows


def _change(after: Version | None, before: Version | None) -> Change:
    if before is None:
        return "new"
    if after is None:
        return "removed"
    same_text = all(
        before.record[k] == after.record[k] for k in ("text", "spoken_text", "engine", "voice")
    )
    same_audio = _sha(before.record) == _sha(after.record) or (
        before.clip is not None and after.clip is not None and before.clip == after.clip
    )
    return "unchanged" if same_text and same_audio else "changed"


def _sha(record: PromptRecord) -> str | None:
    f = audio_file(record)
    return None if f is None else f"{f['format']}:{f['sha256']}"


def _before(root: Path, record: PromptRecord, after: Version | None) -> Version:
    """The previous version; a before-image keeps no audio of unchanged prompts: theirs is now's."""
    clip = _load(root, record)
    if clip is None and after is not None and _sha(record) == _sha(after.record):
        clip = after.clip
    return Version(record, clip)


def _version(root: Path, record: PromptRecord, rules: validate.Rules) -> Version:
    f = audio_file(record)
    if f is None:
        return Version(record, None, (Finding("error", "files", "no audio file published"),))
    try:
        decoded = audio.read_audio(root / f["path"])
    except (IvrPromptsError, OSError) as exc:
        return Version(record, None, (Finding("error", "read", str(exc)),))
    findings = tuple(
        Finding(x.severity, x.check, x.message)
        for x in validate.check_audio(decoded, rules, text=record["text"])
    )
    return Version(record, _clip(decoded), findings)


def _load(root: Path, record: PromptRecord) -> Clip | None:
    f = audio_file(record)
    path = root / f["path"] if f is not None else None
    if path is None or not path.is_file():
        return None
    try:
        return _clip(audio.read_audio(path))
    except (IvrPromptsError, OSError):
        return None


def _clip(decoded: audio.AudioFile) -> Clip | None:
    if not decoded.decoded or decoded.sample_rate != audio.RATE:
        return None
    if decoded.codec in ("ulaw", "alaw"):
        # Decoding then encoding G.711 gives back the stored codes (one byte a sample).
        return Clip(decoded.codec, audio.encode(decoded.samples, decoded.codec))
    return Clip("pcm16", decoded.samples.astype("<i2").tobytes())


def totals(rows: Sequence[Row]) -> Mapping[str, float]:
    """Seconds of current audio per locale."""
    out: dict[str, float] = {}
    for row in rows:
        if row.after is not None:
            out[row.locale] = out.get(row.locale, 0.0) + row.after.record["duration_s"]
    return dict(sorted(out.items()))


def decode(clip: Clip) -> np.ndarray[tuple[int], np.dtype[np.int16]]:
    """The clip as 16-bit PCM (what the page's player is given)."""
    if clip.codec == "pcm16":
        return np.frombuffer(clip.payload, dtype="<i2").astype(np.int16)
    return audio.decode(clip.payload, clip.codec)
