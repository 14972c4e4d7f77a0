"""The build's work on one pair: its syntheses (each key once per build however many pairs say
it; a pair spoken in parts, part by part, joined by exact silence), its processing, and its
files staged, checked and admitted."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from .. import audio, cache
from ..audio import join
from ..config import AudioSettings, Config
from ..engines.base import SynthesisRequest
from ..errors import IvrPromptsError
from ..export import hd
from ..publish.stage import PublishItem, Stager
from ..text.parts import Pause
from .plan import Pair, Plan
from .spoken_parts import SpokenPart, speech_parts

# A pair's parts as made: each spoken part's synthesis, or a pause in milliseconds.
Made = cache.AudioEntry | int
# Speak one request for a pair through its engine; the synthesis, checked and cached.
Speak = Callable[[Pair, SynthesisRequest], Awaitable[cache.AudioEntry]]


class Parts:
    """The syntheses of one build (whole pairs and spoken parts): each key synthesized at most
    once, whether several pairs say it at the same time or one after the other."""

    def __init__(self, store: cache.LayeredCache, speak: Speak) -> None:
        self.store = store
        self.speak = speak
        self._under_way: dict[str, asyncio.Future[cache.AudioEntry]] = {}
        self._made: set[str] = set()  # keys this build has put in the cache

    async def made(self, pair: Pair, remote_ids: Mapping[tuple[str, str], str]) -> list[Made]:
        """Every part of `pair`: read from the cache, or synthesized (one after the other: the
        build's workers keep the engine busy, and no task is made per part)."""
        found: dict[str, cache.AudioEntry] = {}
        for part in speech_parts(pair.parts):
            if part.synth_key in found:
                continue
            # Off the event loop: a read may go to the remote cache.
            entry = await asyncio.to_thread(self.store.get, "synth", part.synth_key)
            if entry is None:
                entry = await self.once(pair, request(pair, remote_ids, part))
            found[part.synth_key] = entry
        return [p.ms if isinstance(p, Pause) else found[p.synth_key] for p in pair.parts]

    async def once(self, pair: Pair, request: SynthesisRequest) -> cache.AudioEntry:
        """The synthesis of `request`: spoken now, or awaited when another pair asked first."""
        key = request.cache_key
        waiting = self._under_way.get(key)
        if waiting is not None:
            return await asyncio.shield(waiting)  # a waiter cancelled leaves it to the others
        if key in self._made:  # said by an earlier pair of this build: read, never bill again
            entry = await asyncio.to_thread(self.store.get, "synth", key)
            if entry is not None:
                return entry
        future = self._under_way[key] = asyncio.get_running_loop().create_future()
        try:
            made = await self.speak(pair, request)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no warning when no other pair waited for it
            raise
        finally:
            # Done: it is in the cache (or failed, and the next pair that says it asks again);
            # the build holds no audio for it.
            del self._under_way[key]
        self._made.add(key)
        future.set_result(made)
        return made


def request(
    pair: Pair, remote_ids: Mapping[tuple[str, str], str], part: SpokenPart | None = None
) -> SynthesisRequest:
    """What the pair's engine is asked: the pair's whole text, or one of its spoken parts."""
    remote = remote_ids.get((pair.engine, pair.locale.code))
    return SynthesisRequest(
        prompt_id=pair.rendered.id,
        locale=pair.locale.code,
        text=part.spoken if part else pair.spoken,
        language=pair.locale.language,
        voice=pair.voice,
        speed=pair.speed,
        model=pair.model,
        cache_key=part.synth_key if part else pair.synth_key,
        pronunciation_dicts=(remote,) if remote else (),
    )


def cached(pair: Pair, store: cache.LayeredCache) -> list[Made]:
    """Every part of `pair` from the cache (in a worker thread); IvrPromptsError if one left it."""
    made: list[Made] = []
    for part in pair.parts:
        if isinstance(part, Pause):
            made.append(part.ms)
            continue
        entry = store.get("synth", part.synth_key)
        if entry is None:  # the plan saw every part; one was removed or corrupt since
            raise IvrPromptsError("a spoken part left the cache during the build; build again")
        made.append(entry)
    return made


def segments(made: Sequence[Made]) -> list[join.Segment]:
    return [m if isinstance(m, int) else (audio.to_float(m.samples), m.sample_rate) for m in made]


def process(config: Config, made: Sequence[Made]) -> cache.AudioEntry:
    """The pair's 8 kHz prompt: its parts processed and joined by their pauses."""
    processed = join.process_parts(segments(made), config.audio)
    entries = [m for m in made if not isinstance(m, int)]
    meta: dict[str, object] = {}
    for entry in entries:
        meta.update(entry.meta)
    ids = [str(e.meta["request_id"]) for e in entries if e.meta.get("request_id")]
    if ids:
        meta["request_id"] = ",".join(ids)
    meta.update(
        duration_s=round(processed.duration_s, 3),
        level_dbov=round(processed.level_dbov, 2),
        peak_dbfs=round(processed.peak_dbfs, 2),
        speech_s=round(processed.speech_s, 3),
        parts=len(entries),
    )
    return cache.AudioEntry(processed.pcm, audio.RATE, meta)


def processed(config: Config, synth: cache.AudioEntry | Sequence[Made]) -> cache.AudioEntry:
    """The pair's 8 kHz prompt, from its whole synthesis or its parts."""
    if not isinstance(synth, cache.AudioEntry):
        return process(config, synth)
    done = audio.process(audio.to_float(synth.samples), synth.sample_rate, config.audio)
    meta = {
        **synth.meta,
        "duration_s": round(done.duration_s, 3),
        "level_dbov": round(done.level_dbov, 2),
        "peak_dbfs": round(done.peak_dbfs, 2),
        "speech_s": round(done.speech_s, 3),
    }
    return cache.AudioEntry(done.pcm, audio.RATE, meta)


def stage_checked(
    plan: Plan,
    pair: Pair,
    stager: Stager,
    entry: cache.AudioEntry,
    wide: npt.NDArray[np.int16] | None,
) -> list[str]:
    """Write the pair's files (from its 8 kHz audio, and its 16 kHz render when published) into
    the staging folder, check them there and admit them into the set if they pass; the
    problems found."""
    item = PublishItem(pair.record(entry.meta), pair.files, entry.samples, wide)
    stager.write(item)
    problems = plan.checks.check(stager.staging, item.record, item.files, pair.rendered.prompt)
    if not problems:
        stager.admit(item.record)
    return problems


def process_hd(made: Sequence[Made], settings: AudioSettings) -> cache.AudioEntry:
    """The pair's 16 kHz prompt, joined as the 8 kHz one is."""
    for entry in made:
        if not isinstance(entry, int) and entry.sample_rate < hd.HD_RATE:
            return hd.process_hd(entry, settings)  # says why (the engine's rate)
    done = join.process_parts(segments(made), settings, hd.HD_RATE)
    return cache.AudioEntry(done.pcm, hd.HD_RATE, {"rate": hd.HD_RATE})
