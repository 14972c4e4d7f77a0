"""What the profiles of the full run said, and what to optimise next (appended to full runs).

Written by hand from the full run at commit 08bd9ac; re-read the profiles in the sections above
when the figures move, and update this text."""

from __future__ import annotations

ANALYSIS = """\
## What to optimise next

Written from the profiles of the full run at commit 08bd9ac (the profiles above are regenerated
on every run; this text is not).

1. **Validation recomputes the signal checks for every file** (`pipeline._validator` ->
   `validate.check_audio` -> `_check_signal`): each pair publishes 4 files with the same sound,
   and each file runs P.56 `active_level_dbov` twice (on the DC-removed signal and on the
   signal), plus 3 more in `audio.process`: 11 P.56 runs per pair. In the cold build at
   concurrency 8 that is 13.6 of 22.5 s under the profiler. Run the signal checks once per pair
   on the processed PCM (the G.711 round trip moves the level by < 0.1 dB), keep only the
   header/codec/rate/size/name checks per file, and compute P.56 once in `_check_signal` when
   the DC offset is negligible. Expected: validation ~4x cheaper; section 4 above 500x.
2. **Publishing waits for the last synthesis, then works alone** (`pipeline.build` ->
   `publish.publish`): processing runs on the event loop between requests, but validation,
   encoding and fsync of all 500 pairs happen serially after the network is idle (10.9 s of
   the profiled 22.5 s). Stage and validate each pair as soon as it is processed (or in a
   worker thread), so the fixed-latency waits hide that work; at concurrency 4 and 8 this is
   the difference between ~60% and the 95% target.
3. **The build's concurrency slot is held through retry backoff**: `pipeline._produce` wraps
   `engine.synthesize` in a per-engine semaphore of `waves.concurrency`, and `WavesClient`
   limits again per attempt. A request sleeping in backoff keeps the outer slot, so a slot
   idles for the whole backoff: concurrency 1 with faults reaches 64% of ideal (74% of the
   attempt-ideal). Drop the outer gate for Waves (the client's per-attempt semaphore is the
   account limit) so another prompt uses the slot while one backs off.
4. **Peak RSS of the cold build grows ~56 KB per pair** (604 MB at 10,000 pairs):
   `pipeline._produce` keeps every processed PCM array in `results` until `publish` runs.
   Writing each pair's staged files as soon as it is processed (point 2) and keeping only its
   record bounds memory by the concurrency instead of the set size.
5. **The no-op re-serialises the whole manifest with `indent=2`** (`publish.publish` ->
   `manifest_bytes`), which makes `json` fall back to its pure-Python encoder: ~1.1 s of the
   profiled no-op at 10,000 pairs. Compare the new records with the previous manifest's
   records (already parsed in `make_plan`) and skip the encode when equal, or encode with the
   C encoder (no `indent`). Next: 20,000 `cache.make_key` calls (two canonical JSON + SHA-256
   per pair), 40,000 `stat`s in `publish.reusable`, and Jinja rendering of every pair; and
   importing `ivr_prompts.cli` costs ~0.3 s by itself (numpy, httpx, rich, jinja2 at import:
   import them lazily where the no-op does not need them).
6. **soxr's OpenMP threads spin-wait** after each resample: the process burns 2 CPU-seconds per
   second while doing single-threaded work (event-loop CPU 16 ms per pair vs process CPU
   48-128 ms per pair in section 1). Set `OMP_WAIT_POLICY=PASSIVE` / limit soxr to one thread
   before it is imported (e.g. in `cli.main`), so a 2-core CI runner keeps its second core.
"""
