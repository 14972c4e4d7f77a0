"""Find the audio files under some paths, read each, and check it against a profile's rules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..audio.wavfile import AUDIO_EXTENSIONS, read_audio
from ..errors import AudioError, UsageError
from ..kinds import ProfileName
from .checks import Finding, check_audio
from .declared import declared_silence, silence_findings
from .inputs import unreadable
from .rules import Rules, profile_rules


def audio_files(paths: Sequence[Path]) -> tuple[list[Path], list[Finding]]:
    """Audio files under `paths` (directories walked recursively) and findings for bad paths."""
    files: list[Path] = []
    missing: list[Finding] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS
            )
        elif path.exists():  # a file, or a FIFO or device that validate_paths explains
            files.append(path)
        else:
            missing.append(
                Finding(str(path), "read", "error", "no such file or directory; check the path")
            )
    return files, missing


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


def validate_paths(
    paths: Sequence[Path], profile: ProfileName | None, rules: Rules | None = None
) -> list[Finding]:
    """Check every audio file under `paths` against a profile (or generic rules)."""
    base = rules if rules is not None else Rules()
    effective = profile_rules(profile, base) if profile is not None else base
    files, found = audio_files(paths)
    silence = declared_silence(paths)  # non-speech prompts of our own sets: exact silence
    for path in files:
        problem = unreadable(path)
        if problem is not None:
            found.append(Finding(str(path), "read", "error", problem))
            continue
        try:
            file = read_audio(path)
        except AudioError as exc:
            found.append(Finding(str(path), "read", "error", exc.message))
            continue
        seconds = silence.get(path.resolve())
        if seconds is not None:
            found.extend(check_audio(file, effective, signal=False))
            found.extend(silence_findings(path, file.samples, file.sample_rate, seconds))
            continue
        found.extend(check_audio(file, effective))
    return found
