"""What the profiles of the full run said, and what to optimise next (appended to full runs).

Written by hand from the full run at the commit named in the report's machine table; re-read the
profiles in the sections above when the figures move, and update this text."""

from __future__ import annotations

ANALYSIS = """\
## What to optimise next

Written from the profiles of the full run at the commit above (the profiles are regenerated on
every run; this text is not). Issue 13's figures are in sections 1, 1b, 6 and 7, and the
hand-measured 100,000-pair section below.

1. **Memory after the first build grows with the previous manifest.** At 30,000 pairs a rebuild
   after one edit peaks at 395 MB and the first `check` at 315 MB (section 6); at 100,000 pairs
   they reach 1,136 MB and 946 MB (hand-measured section). Both parse the whole previous
   manifest into dicts (181 MB of JSON becomes 550-580 MB of objects at 100,000 pairs) and the
   stat index (400,000 entries). Next: keep previous records as their compact JSON bytes (about
   1 kB each) and parse one when asked; `intact` returns keys, not records. A streamed reader
   alone was measured and saves only 17 MB: the objects are the cost, not the text.
2. **A rebuild after one edit re-publishes the whole set** (5.4 s at 10,000 pairs, 16.5 s at
   30,000, 64 s at 100,000). Its profile at 100,000 pairs: 400,000 hard links into staging
   (12-16 s under cProfile), re-encoding the kept records with indent (about 10 s: their
   original bytes could be copied), parsing the manifest (10 s), `planned_files` recomputed five
   times per pair (about 6 s), unlinking the replaced set (4 s).
3. **No-op `build` and `check` at 100,000 pairs (2.05 s and 2.37 s; target 1 s).** One stat per
   published file is the floor: `find -printf` over the 400,008 files takes 1.56 s on this VM.
   At 10,000 pairs the no-op now meets 0.3 s (272 and 277 ms beyond start).
4. **Cold build at C = 16 (64% of ideal; slots busy 95%).** Processing is now 650-700x real
   time per core (section 4, from 283-320x), and process CPU per pair fell to 19-26 ms; what
   is left per pair is the speech check, validation of 4 files, hashing and writing them, and
   the HTTP client, on 2 cores shared with the stand-in. C = 1-8 are within 0-1 point of 98%
   busy; the scheduling policy itself reaches 99-100% where the CPU keeps up (section 1b).
5. **Local engines.** Two Piper workers with one onnxruntime thread each beat in-process Piper
   (default threads) by 1.1-1.4x on 2 cores (two runs); a worker's model load is the fixed cost
   that makes the pool pay only from a few dozen prompts on.
"""
