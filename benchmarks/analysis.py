"""What the profiles of the full run said, and what to optimise next (appended to full runs).

Written by hand from the full run at the commit named in the report's machine table; re-read the
profiles in the sections above when the figures move, and update this text."""

from __future__ import annotations

ANALYSIS = """\
## What to optimise next

Written from the profiles of the last full run (the profiles above are regenerated on every run;
this text is not). The first full run, before any optimisation, measured 91.5% / 64.7% / 55.5% of
ideal at concurrency 1 / 4 / 8, 327x real time for processing, 604 MB for a 10,000-pair cold build
and 1.74 s for the 10,000-pair no-op; what changed since: pairs are staged and validated in worker
threads while others are still being synthesized, the sound is checked once per pair, a Waves
prompt in backoff frees its request slot, P.56 no longer calls `np.dot` (idle OpenBLAS threads
spun a second core), the no-op compares records instead of re-encoding the manifest, the window
of pairs in flight is bounded, and reports have compact reprs (Python 3.11's `asyncio.run`
repr()s the finished main task when it restores the SIGINT handler: 6 s and 650 MB at 10,000
pairs).

1. **Cold build at concurrency 4 and 8 (94.8%, 92.7% of ideal).** The event loop is idle most
   of the time (`epoll.poll` dominates the profile); what remains is the tail after the last
   response (the last pairs' staging, then `fsync` of every staged file, about 2,000 calls and
   0.4 s, the indexes and the swap) and about 2.5 ms of event-loop CPU per request (httpx request
   building, response handling). Next: fsync each file in the worker thread that wrote it, or
   one `syncfs(2)` on the staging file system before the swap, so the tail shrinks to the swap.
2. **With faults (84% / 82% / 76% of ideal; 97% / 95% / 86% of the attempt-ideal).** The 78
   extra attempts that 10% 429 + 2% 500 cause are a fixed ~13% tax on the pairs-ideal. At
   concurrency 8 the rest is the end of the run: a prompt that draws a 429 late sleeps out the
   vendor-advised backoff (500 ms doubling) while the other slots have nothing left to do.
   Honouring the backoff is deliberate; retrying late failures first would trim the tail.
3. **No-op of 10,000 pairs (1.07 s beyond interpreter start; target < 1 s).** Under the
   profiler: rendering 10,000 Jinja pairs (~0.4 s, mostly context creation), parsing the
   manifest and the stat index (~0.18 s), 20,000 cache keys (canonical JSON + SHA-256, ~0.11 s),
   40,000 `stat`s of the published files (~0.1 s), and importing the CLI (~0.18 s: numpy, rich,
   jinja2, asyncio). Next: import numpy lazily (the no-op needs no audio code), and cache
   rendered texts keyed by a hash of the template source and its variables so unchanged prompts
   skip Jinja.
4. **Local engines.** espeak-ng speaks ~1,100x real time in-process; Piper ~40x per core and
   loads its model in ~1.2 s (once per build, and only when something must be synthesized).
"""
