"""Speaking pace: words per minute of speech, and whether it suits a telephone prompt."""

from __future__ import annotations

from typing import Protocol

# Under this many words a pace says little (one digit is one word in a fraction of a second).
MIN_PACE_WORDS = 5


def word_count(text: str) -> int:
    """Words in `text`: runs of non-space characters."""
    return len(text.split())


def words_per_minute(text: str, speech_s: float) -> float:
    """Words of `text` per minute of `speech_s` seconds of speech; 0 when unknown."""
    if speech_s <= 0:
        return 0.0
    return round(word_count(text) * 60.0 / speech_s, 1)


def pace_problem(
    text: str, wpm: float, low: float, high: float, table: str = "[limits]"
) -> str | None:
    """Why a prompt's pace is outside [low, high] words per minute (set in `table`), or None
    (also when too short to judge or not measured)."""
    if wpm <= 0 or word_count(text) < MIN_PACE_WORDS or low <= wpm <= high:
        return None
    how = "fast" if wpm > high else "slow"
    return (
        f"speaks {wpm:.0f} words a minute, too {how} for a phone prompt "
        f"({table}.min_words_per_minute..max_words_per_minute: {low:g}-{high:g}); "
        "set speed in [synth], the locale or the prompt"
    )


class ProjectBand(Protocol):
    """[limits]'s pace band."""

    @property
    def min_words_per_minute(self) -> float: ...
    @property
    def max_words_per_minute(self) -> float: ...


class LocaleBand(Protocol):
    """A locale's own pace band, either end unset."""

    @property
    def code(self) -> str: ...
    @property
    def min_words_per_minute(self) -> float | None: ...
    @property
    def max_words_per_minute(self) -> float | None: ...


def pace_band(limits: ProjectBand, locale: LocaleBand) -> tuple[float, float, str]:
    """(low, high, where it is set): the locale's band where it sets one, else [limits]'s."""
    low = locale.min_words_per_minute
    high = locale.max_words_per_minute
    if low is None and high is None:
        return limits.min_words_per_minute, limits.max_words_per_minute, "[limits]"
    return (
        low if low is not None else limits.min_words_per_minute,
        high if high is not None else limits.max_words_per_minute,
        f"[locales.{locale.code}]",
    )
