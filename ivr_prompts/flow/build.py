"""synthesize -> process -> validate -> stage -> swap: the orchestration of a build. No click."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import audio, cache, export
from ..config import Config
from ..engines.registry import Engines
from ..errors import (
    BuildFailed,
    EngineUnavailable,
    IvrPromptsError,
    PublishError,
    UsageError,
)
from ..export import hd
from ..export.recorded import forget, remember
from ..publish.layout import PlannedFile
from ..publish.lock import check_location, remove_leftovers
from ..publish.manifest import PromptRecord, new_manifest
from ..publish.stage import PublishItem, Stager, output_lock
from ..publish.swap import Exchange, renameat2_exchange
from ..review.before import keep_before_image
from ..text import render
from . import build_parts, generated, speak, usage
from .build_parts import Made
from .fingerprint import inputs_digest, record_noop, unchanged
from .fingerprint import write as write_fingerprint
from .options import BuildOptions
from .outcome import BuildReport, Counts
from .plan import BUSY, Pair, Plan, make_plan
from .secret_guard import refuse_secrets
from .selection import RenderAll
from .speak import Progress, Speaker

log = logging.getLogger(__name__)


async def build(
    config: Config,
    options: BuildOptions | None = None,
    *,
    engines: Engines | None = None,
    progress: Progress | None = None,
    exchange: Exchange = renameat2_exchange,
    store: cache.LayeredCache | None = None,
    render_all: RenderAll = render.render_all,
) -> BuildReport:
    """Build and publish the prompt set; raise BuildFailed (nothing published) if any pair fails.

    One build at a time per output: the plan is made under the output lock, so a build that
    waited plans against what the other published (and finds its syntheses in the cache).
    Each pair is processed, written into the staging folder and validated as soon as its audio
    is ready, while other pairs are still being synthesized; the set is swapped in at the end.
    """
    options = options or BuildOptions()
    engines = engines or Engines(config)
    store = store or cache.open_cache(config.project)
    report: BuildReport | None = None
    try:
        out = check_location(config)  # before the lock is made beside it
        async with output_lock(out):
            remove_leftovers(out)
            # Read before anything is planned: inputs edited during the build then miss.
            inputs = inputs_digest(config, options, engines)
            counts = unchanged(out, inputs)
            if counts is not None:
                report = BuildReport(counts, _manifest_at=out)
            else:
                plan = make_plan(config, options, engines, store, render_all)
                for warning in plan.warnings:
                    if warning.code != "catalog":  # the build lists the catalog itself
                        log.warning("%s", warning.text())
                refuse_secrets(config, plan.lexicons)  # before anything is spoken or written
                report = BuildReport(Counts.of(plan), plan)
                await _publish(
                    plan, report, engines, progress or speak.quiet, exchange, inputs, store
                )
            if export.wanted(config):
                # Archive, upload and Connect prompts ([publish]) once the set is in place; after
                # a no-op too (each export checks what it must do, and does nothing if nothing).
                manifest = report.manifest  # the fast no-op reads it here, only for exports
                records = manifest["prompts"] if manifest else []
                try:
                    report.exports = await asyncio.to_thread(_export, config, records, inputs)
                except asyncio.CancelledError:
                    # Ctrl-C after the swap: the set is published (and says so); the next
                    # build sees to the exports again.
                    if not report.published:
                        raise
                    _uncancel()
    finally:
        try:
            if report is not None:
                report.usage = usage.of_engines(engines.started.values())
            await engines.aclose()
            await asyncio.to_thread(store.close)  # uploads finish before the build returns
            if report is not None and report.published:
                await asyncio.sleep(0)  # a pending Ctrl-C lands here, where it is answered
        except asyncio.CancelledError:
            # Interrupted after the swap: the new set is published, so the build has succeeded
            # (and must say so); only the engines' goodbyes are cut short.
            if report is None or not report.published:
                raise
            _uncancel()
    return report


def _export(
    config: Config, records: Sequence[Mapping[str, Any]], inputs: str | None
) -> export.ExportReport:
    """Run the exports; record them when they succeed (a no-op after this one then makes no
    request), forget the record when they do not."""
    forget(config)
    report = export.after_build(config, records)
    remember(config, inputs, report)
    return report


def _uncancel() -> None:
    """Take back the cancellation a Ctrl-C made, once the build has published anyway."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()


async def _publish(
    plan: Plan,
    report: BuildReport,
    engines: Engines,
    progress: Progress,
    exchange: Exchange,
    inputs: str | None,
    store: cache.LayeredCache,
) -> None:
    """Produce and swap in the planned set, unless it is already what is published."""
    if _unchanged_manifest(plan):
        report.manifest_in(plan.config.project.output)  # read only if asked
        record_noop(plan.config.project.output.resolve(), inputs, plan)
        for pair in plan.pairs:
            progress("done", pair)
        return

    def fingerprint(root: Path) -> None:
        if inputs is not None:
            write_fingerprint(root, inputs, report.counts.next_noop(plan))

    with Stager(plan.config, exchange=exchange) as stager:
        await _produce(plan, engines, stager, report, progress, store)
        if report.failures:
            raise BuildFailed(sorted(report.failures), len(report.failed))
        # A required remote cache that lost uploads fails the build before the swap.
        await asyncio.to_thread(store.flush)
        stager.finish(fingerprint)
        report.manifest_in(stager.out)  # read only if asked: it may hold 100,000 records
        report.prompts = len(stager)
        # The staging folder now holds the replaced set: keep what `review` compares with.
        previous = plan.previous.records() if plan.previous is not None else None
        keep_before_image(stager.out, stager.staging, stager.records(), previous)
        report.published = True


def _unchanged_manifest(plan: Plan) -> bool:
    """Whether this build would publish exactly the published manifest again (nothing to do):
    `new_manifest(config, kept records) == published manifest`, compared without parsing it."""
    if plan.previous is None or plan.changes:
        return False
    keys = [p.key for p in plan.pairs if p.action in ("reuse", "keep")]
    return plan.previous.same_as(new_manifest(plan.config, []), keys)


async def _produce(
    plan: Plan,
    engines: Engines,
    stager: Stager,
    report: BuildReport,
    progress: Progress,
    store: cache.LayeredCache,
) -> None:
    """Synthesize what is missing, process, validate and stage every pair; failures go to the
    report."""
    previous = plan.previous
    # Processing and checking are CPU work in threads, one per core. The pool's shutdown waits
    # for running work, so no thread writes into the staging folder after the build has ended.
    cores = os.cpu_count() or 1
    loop = asyncio.get_running_loop()
    pool = concurrent.futures.ThreadPoolExecutor(cores, thread_name_prefix="ivr-stage")
    busy = BUSY

    def fail(pair: Pair, lines: list[str]) -> None:
        report.failures.extend(lines)
        report.failed.add(pair.name)
        progress("failed", pair)

    async def worker() -> None:
        for pair in todo:  # one shared iterator: each pair goes to exactly one worker
            await _one(pair)

    speaker = Speaker(engines, store, pool, progress)
    parts = build_parts.Parts(store, speaker)

    async def _one(pair: Pair) -> None:
        try:
            if pair.generated:  # silence: made here, never sent to an engine
                found, generated_now = await loop.run_in_executor(
                    pool, generated.stage, plan, pair, store, stager
                )
                report.processed += generated_now
                if found:
                    fail(pair, found)
                else:
                    progress("done", pair)
                return
            # Read (and verify) what the cache holds: a corrupt entry is synthesized again.
            # Off the event loop: a read may go to the remote cache.
            entry = None
            if pair.action == "cached":
                entry = await asyncio.to_thread(store.get, "audio", pair.audio_key)
            synth: cache.AudioEntry | list[Made] | None = None
            if entry is None and pair.parts:  # spoken in parts, each cached on its own
                synth = await parts.made(pair, remote_ids)
            elif entry is None and pair.action != "synthesize":
                synth = await asyncio.to_thread(store.get, "synth", pair.synth_key)
            if entry is None and synth is None:
                synth = await parts.once(pair, build_parts.request(pair, remote_ids))
            problems, processed = await loop.run_in_executor(
                pool, _stage, plan, pair, store, entry, synth, stager
            )
            report.processed += processed
            if problems:
                fail(pair, problems)
            else:
                progress("done", pair)
        except (EngineUnavailable, UsageError, PublishError):
            raise  # the whole build cannot go on (no key, unwritable cache or output...)
        except IvrPromptsError as exc:
            fail(pair, [f"{pair.name}: {exc.message}"])

    speaking = (p for p in plan.pairs if p.action == "synthesize")
    remote_ids = await speak.prepare(plan, engines, speaking)
    for pair in plan.pairs:
        if pair.action in ("reuse", "keep"):
            assert previous is not None
            old = previous[pair.key]
            # A reused record lists exactly the planned paths (stale_reasons saw to it).
            # Reused files passed these very rules when made (the record's checks key says so).
            stager.write(PublishItem(old, _files_of(old), None))
            stager.admit(old, previous.blob(pair.key))  # its bytes, not encoded again
            progress("done", pair)
    # Longest text first: an answer's time grows with its text, so the last round is short
    # and every request slot stays busy to the end (stable: equal lengths keep plan order).
    busy_pairs = (p for p in plan.pairs if p.action in busy)
    todo = iter(sorted(busy_pairs, key=lambda p: len(p.spoken), reverse=True))
    # A fixed number of workers, each taking the next pair when it is done with one: the pairs
    # under way (and their audio) are as many as the engines can serve plus a few per thread,
    # whatever the size of the set, and no engine waits for work.
    try:
        await speak.together(worker, window(plan, engines))
    finally:
        report.synthesized += speaker.synthesized
        pool.shutdown(wait=True, cancel_futures=True)


def window(plan: Plan, engines: Engines) -> int:
    """How many pairs a build works on at once: what the engines it uses can serve at once,
    plus four per core for processing, checking and writing."""
    used = {p.engine for p in plan.pairs if p.action in BUSY and not p.generated}
    return sum(engines.get(e).max_concurrency for e in used) + 4 * (os.cpu_count() or 1)


def _stage(
    plan: Plan,
    pair: Pair,
    store: cache.LayeredCache,
    entry: cache.AudioEntry | None,
    synth: cache.AudioEntry | list[Made] | None,
    stager: Stager,
) -> tuple[list[str], bool]:
    """In a worker thread: the processed audio (given, or made from the synthesis), written
    into the staging folder, validated there, and admitted into the set if it passes.

    Returns the problems found and whether the audio had to be processed.
    """
    processed = entry is None
    if entry is None:
        assert synth is not None
        entry = build_parts.processed(plan.config, synth)
        store.put("audio", pair.audio_key, entry)
    wide = _hd_audio(plan.config, pair, store, synth) if plan.config.publish.hd else None
    return build_parts.stage_checked(plan, pair, stager, entry, wide), processed


def _hd_audio(
    config: Config,
    pair: Pair,
    store: cache.LayeredCache,
    synth: cache.AudioEntry | list[Made] | None,
) -> audio.Int16Audio:
    """The pair's 16 kHz audio: cached, else processed from the synthesis (and cached)."""
    key = hd.hd_key(pair.audio_key)
    entry = store.get("audio", key)
    if entry is None and pair.parts:
        made = synth if isinstance(synth, list) else build_parts.cached(pair, store)
        entry = build_parts.process_hd(made, config.audio)
        store.put("audio", key, entry)
    if entry is None:
        assert not isinstance(synth, list)
        synth = synth or store.get("synth", pair.synth_key)
        if synth is None:  # the plan saw both entries; one was removed or corrupt since
            raise IvrPromptsError("the synthesis left the cache during the build; build again")
        entry = hd.process_hd(synth, config.audio)
        store.put("audio", key, entry)
    return entry.samples


def _files_of(record: PromptRecord) -> list[PlannedFile]:
    return [
        PlannedFile(f["path"], f["target"], f["format"])  # type: ignore[arg-type]
        for f in record["files"]
    ]
