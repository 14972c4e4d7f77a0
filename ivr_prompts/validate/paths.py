"""Find the files under some paths, read each audio file, and check it against its rules.

Every file found is accounted for: an audio file is checked; a file of a published set that is
not audio (its manifest, its transcript indexes) is counted; anything else is a warning naming
it, so nothing is ever skipped without a word (`--strict` fails on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..audio.foreign import sniff
from ..audio.wavfile import AUDIO_EXTENSIONS, RAW_RATES, read_audio
from ..errors import AudioError, UsageError
from ..kinds import ProfileName
from .checks import Finding, check_audio
from .declared import silence_findings
from .inputs import unreadable
from .rules import WIDEBAND_RATE, Rules, at_rate, profile_rules

# Files whose name says they hold 16 kHz audio (Asterisk's .wav16 and G.722).
_WIDE_EXTENSIONS = frozenset({".wav16", ".g722"})


class Layout(Protocol):
    """What the published set a file belongs to says about it (see publish/verify.py)."""

    def rules(self, path: Path, base: Rules) -> Rules | None:
        """The rules of one of the set's files; None when the set does not account for it."""
        ...

    def is_index(self, path: Path) -> bool:
        """True for the set's own files that are not audio (manifest, transcript indexes)."""
        ...

    def silence(self, path: Path) -> float | None:
        """The seconds of a file the set declares as silence (kind = "silence"), else None."""
        ...

    def missing(self, paths: Sequence[Path]) -> list[Finding]:
        """Files the set's manifest lists under `paths` that are not there."""
        ...


@dataclass
class Scan:
    """What lies under the paths: audio files, other files, and paths that do not exist."""

    audio: list[Path] = field(default_factory=list)
    other: list[Path] = field(default_factory=list)
    missing: list[Finding] = field(default_factory=list)


def scan(paths: Sequence[Path]) -> Scan:
    """Every file under `paths` (directories walked recursively), sorted into audio and other."""
    found = Scan()
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file():
                    (found.audio if p.suffix.lower() in AUDIO_EXTENSIONS else found.other).append(p)
        elif path.exists():  # a file, or a FIFO or device that validate_paths explains
            found.audio.append(path)
        else:
            found.missing.append(
                Finding(str(path), "read", "error", "no such file or directory; check the path")
            )
    return found


def audio_files(paths: Sequence[Path]) -> tuple[list[Path], list[Finding]]:
    """Audio files under `paths` and findings for paths that do not exist."""
    found = scan(paths)
    return found.audio, found.missing


def require_audio(paths: Sequence[Path]) -> list[Path]:
    """The audio files under `paths`; UsageError when there is none to check."""
    files, missing = audio_files(paths)
    if files:
        return files
    named = ", ".join(str(p) for p in paths)
    if missing and len(missing) == len(paths):
        raise UsageError(f"{named}: no such file or directory; check the path")
    exts = " ".join(sorted(AUDIO_EXTENSIONS))
    raise UsageError(f"{named}: no audio file found (looked for {exts}); check the path")


def expected_rate(path: Path, rules: Rules) -> int:
    """The rate a file must have: its extension's (.sln16, .wav16, .g722), its FreeSWITCH rate
    folder's (`.../16000/name.wav`), else the platform's."""
    ext = path.suffix.lower()
    if ext in RAW_RATES:
        return RAW_RATES[ext]
    if ext in _WIDE_EXTENSIONS:
        return WIDEBAND_RATE
    folder = path.parent.name
    if folder.isdigit() and folder in ("8000", "16000", "32000", "48000"):
        return int(folder)
    return rules.sample_rate


@dataclass
class Outcome:
    """The findings of a run and how many files of each kind it looked at."""

    findings: list[Finding]
    checked: int = 0
    failed: int = 0
    indexes: int = 0
    not_judged: int = 0


def validate_paths(
    paths: Sequence[Path],
    profile: ProfileName | None,
    rules: Rules | None = None,
    *,
    layout: Layout | None = None,
) -> list[Finding]:
    """Check every file under `paths` against a profile (or generic rules)."""
    return validate_all(paths, profile, rules, layout=layout).findings


def validate_all(
    paths: Sequence[Path],
    profile: ProfileName | None,
    rules: Rules | None = None,
    *,
    layout: Layout | None = None,
) -> Outcome:
    """Check every file under `paths`; a file of a published set by its own target's rules
    (unless `profile` names one), with its rate from its name or folder."""
    base = rules if rules is not None else Rules()
    chosen = profile_rules(profile, base) if profile is not None else base
    found = scan(paths)
    outcome = Outcome(list(found.missing))
    for path in found.audio:
        problem = unreadable(path)
        if problem is not None:
            outcome.findings.append(Finding(str(path), "read", "error", problem))
            continue
        effective = _rules_for(path, chosen, base, profile=profile, layout=layout, outcome=outcome)
        try:
            file = read_audio(path)
        except AudioError as exc:
            outcome.findings.append(Finding(str(path), "read", "error", exc.message))
            continue
        outcome.checked += 1
        # A non-speech prompt of one of our sets (its manifest says so) is judged as silence.
        seconds = layout.silence(path) if layout is not None else None
        if seconds is None:
            judged = check_audio(file, effective)
        else:  # its container by the rules, its sound as the silence its set declares
            judged = check_audio(file, effective, signal=False)
            judged += silence_findings(path, file.samples, file.sample_rate, seconds)
        outcome.failed += any(f.severity == "error" for f in judged)
        outcome.findings.extend(judged)
    for path in found.other:
        if layout is not None and layout.is_index(path):
            outcome.indexes += 1
            continue
        outcome.not_judged += 1
        outcome.findings.append(
            Finding(
                str(path),
                "not-judged",
                "warning",
                f"not a prompt file validate can judge ({sniff(path)}); "
                "move it out of the prompt folder, or convert it to WAV if it is audio",
            )
        )
    if layout is not None:
        outcome.findings.extend(layout.missing(paths))
    return outcome


def _rules_for(
    path: Path,
    chosen: Rules,
    base: Rules,
    *,
    profile: ProfileName | None,
    layout: Layout | None,
    outcome: Outcome,
) -> Rules:
    effective = chosen
    if layout is not None and profile is None:
        own = layout.rules(path, base)
        if own is not None:
            effective = own
        else:
            outcome.findings.append(
                Finding(
                    str(path),
                    "stray",
                    "warning",
                    "no prompt of the published set's manifest accounts for this file; "
                    "remove it, or rebuild the set",
                )
            )
    return at_rate(effective, expected_rate(path, effective))
