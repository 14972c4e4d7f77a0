"""Speaking pace: words per minute of speech, and whether it suits a telephone prompt."""

from __future__ import annotations

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


def pace_problem(text: str, wpm: float, low: float, high: float) -> str | None:
    """Why a prompt's pace is outside [low, high] words per minute, or None (also when too short
    to judge or not measured)."""
    if wpm <= 0 or word_count(text) < MIN_PACE_WORDS or low <= wpm <= high:
        return None
    how = "fast" if wpm > high else "slow"
    return (
        f"speaks {wpm:.0f} words a minute, too {how} for a phone prompt "
        f"([limits].min_words_per_minute..max_words_per_minute: {low:g}-{high:g}); "
        "set speed in [synth], the locale or the prompt"
    )
