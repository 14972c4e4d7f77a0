"""Building a non-speech pair (kind = "silence"): made here, cached, written, checked, admitted.

The build's branch for pairs no engine speaks: the audio is exact digital silence of the
prompt's `seconds` (nonspeech.samples), cached under a key of what it is, published to every
target and format like spoken audio, and checked by build_rules.Checks (container rules, then
"is it exactly that silence" instead of the level, edge and speech checks).
"""

from __future__ import annotations

from .. import cache
from ..audio import nonspeech
from ..export import hd
from ..publish.stage import Stager
from . import build_parts
from .plan import Pair, Plan


def audio(pair: Pair, store: cache.LayeredCache, rate: int, key: str) -> cache.AudioEntry:
    """The pair's audio at `rate`: from the cache, else made (and cached)."""
    entry = store.get("audio", key)
    if entry is None:
        prompt = pair.rendered.prompt
        assert prompt.seconds is not None
        seconds = prompt.seconds
        meta = {"duration_s": round(seconds, 3), "level_dbov": -100.0, "peak_dbfs": -100.0}
        entry = cache.AudioEntry(nonspeech.samples(seconds, rate), rate, meta)
        store.put("audio", key, entry)
    return entry


def stage(
    plan: Plan, pair: Pair, store: cache.LayeredCache, stager: Stager
) -> tuple[list[str], bool]:
    """In a worker thread: write the pair's files into the staging folder, check them, admit
    them if they pass. Returns the problems and whether the audio had to be made."""
    made = pair.action == "generate"
    entry = audio(pair, store, 8000, pair.audio_key)
    wide = None
    if plan.config.publish.hd:
        wide = audio(pair, store, hd.HD_RATE, hd.hd_key(pair.audio_key)).samples
    return build_parts.stage_checked(plan, pair, stager, entry, wide), made
