"""Which validation rules apply to which published file, and checking a pair's files by them.

Belongs with validation (validate/rules.py once that package exists).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import audio, cache, validate
from ..audio import nonspeech
from ..config import Config, PromptConfig
from ..errors import IvrPromptsError
from ..export import hd
from ..publish import targets
from ..publish.layout import PlannedFile
from ..publish.manifest import PromptRecord
from ..validate.rules import profile_rules, prompt_rules

# Problems of the sound itself show in every file of a prompt: they are reported once per prompt.
_SIGNAL_CHECKS = frozenset(
    {
        "duration",
        "speaking-rate",
        "level",
        "clipping",
        "lead-silence",
        "trail-silence",
        "silent",
        "dc",
        "edge",
    }
)


class Checks:
    """The validation rules of each published file: the profiles its target names (the WAV set:
    publish.profiles) over the project's [audio] and [limits], with per-prompt duration bounds."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.base = validate.Rules.from_settings(config.audio, config.limits)
        self._memo: dict[tuple[str, float | None, float | None], list[validate.Rules]] = {}
        self._keys: dict[tuple[tuple[str, ...], float | None, float | None], str] = {}

    def rules_for(self, target: str, prompt: PromptConfig) -> list[validate.Rules]:
        memo = (target, prompt.min_seconds, prompt.max_seconds)
        if memo not in self._memo:
            rules = prompt_rules(self.base, prompt.index, prompt.min_seconds, prompt.max_seconds)
            names = targets.door(target).profiles(self.config)
            self._memo[memo] = [profile_rules(n, rules) for n in names] or [rules]
        return self._memo[memo]

    def key(self, files: Sequence[PlannedFile], prompt: PromptConfig) -> str:
        """A hash of every rule these files are checked against: new rules re-check them."""
        targets = tuple(sorted({f.target for f in files}))
        memo = (targets, prompt.min_seconds, prompt.max_seconds)
        if prompt.kind != "speech":  # checked as exact silence, not by the signal rules
            return cache.make_key({"kind": prompt.kind, "seconds": prompt.seconds, "of": targets})
        if memo not in self._keys:
            self._keys[memo] = cache.make_key(
                {t: [dataclasses.asdict(r) for r in self.rules_for(t, prompt)] for t in targets}
            )
        return self._keys[memo]

    def check(
        self,
        root: Path,
        record: PromptRecord,
        files: Sequence[PlannedFile],
        prompt: PromptConfig,
    ) -> list[str]:
        """One line per error in one pair's files under `root`; the sound is checked once."""
        pair = f"{record['id']} [{record['locale']}]"
        problems: list[str] = []
        sound_checked: set[tuple[Any, ...]] = set()
        for planned in files:
            wide = planned.format in hd.HD_FORMATS
            try:
                path = root / planned.path
                file = hd.read_file(path, planned.format) if wide else audio.read_audio(path)
            except IvrPromptsError as exc:
                problems.append(f"{pair}: {planned.path}: {exc.message}")
                continue
            ruleset = self.rules_for(planned.target, prompt)
            if prompt.kind != "speech":
                rulesets = [hd.hd_rules(r) for r in ruleset] if wide else ruleset
                problems.extend(_nonspeech(pair, planned.path, file, rulesets, prompt))
                continue
            for rules in [hd.hd_rules(r) for r in ruleset] if wide else ruleset:
                signal = rules.signal_key() not in sound_checked
                sound_checked.add(rules.signal_key())
                for finding in validate.check_audio(
                    file, rules, text=record["text"], signal=signal
                ):
                    if finding.severity != "error":
                        continue
                    where = "" if finding.check in _SIGNAL_CHECKS else f"{planned.path}: "
                    line = f"{pair}: {where}{finding.check}: {finding.message}"
                    if line not in problems:
                        problems.append(line)
        return problems


def _nonspeech(
    pair: str,
    path: str,
    file: audio.AudioFile,
    ruleset: Sequence[validate.Rules],
    prompt: PromptConfig,
) -> list[str]:
    """A silence prompt's file: its container by the target's rules (not the level, edge or
    speech rules: it holds no sound), then exactly `seconds` of silence."""
    problems: list[str] = []
    for rules in ruleset:
        for finding in validate.check_audio(file, rules, signal=False):
            if finding.severity == "error":
                problems.append(f"{pair}: {path}: {finding.check}: {finding.message}")
    assert prompt.seconds is not None
    for message in nonspeech.check(file.samples, file.sample_rate, prompt.seconds):
        problems.append(f"{pair}: {path}: silence: {message}")
    return problems
