"""What the profiles of the full run said, and what to optimise next (appended to full runs).

Written by hand from the full run at the commit named in the report's machine table; re-read the
profiles in the sections above when the figures move, and update this text."""

from __future__ import annotations

ANALYSIS = """\
## What to optimise next

Written from the profiles of the full run at the commit above (the profiles are regenerated on
every run; this text is not). Issue 13's figures are in sections 1, 1b, 6 and 7.

1. **Processing fell from 819x to 283-320x real time per core (target 500x).** The audio chain
   of issue 8 measures the P.56 active level four times per prompt (the limiter's search for the
   level, then the chain verifying its result), and each P.56 runs a one-pole envelope as a
   `ufunc.accumulate` over the whole clip: 192 envelopes are 0.16 s of the 0.37 s. Next: measure
   the envelope once per clip and derive the levels of the gain trials from it (the gain scales
   it), and verify from the same envelope. This is also most of the ~27 ms of process CPU per
   pair in section 1.
2. **Cold build at C = 16 (54% of ideal; slots busy 92-95% against the stand-in).** The build is
   CPU-bound there: about 30 ms of process CPU per pair (item 1) on 2 cores shared with the
   stand-in, so the synthesis span stretches; the client's policy meets 98% wherever the CPU
   keeps up (section 1b, and C = 1-8 here within 1-3 points). Item 1 is the lever.
3. **No-op `build` and `check` of 10,000 pairs (0.29 s and 0.29 s beyond start in the section 6
   re-run, 0.37 s and 0.40 s in the full run; target 0.3 s: at the edge, met in one run of two).**
   The no-op imports nothing heavy (about 80 ms of imports: click, tomllib, dataclasses, the
   settings table); the rest is one `stat` per published file (40,009 files; `find -printf`
   over the same tree takes 0.16 s on this machine, so a stat costs about 2.75 us even from C).
   At 100,000 pairs that floor alone is about 1.1 s (400,000 files), over the 1 s target: only a
   check cheaper than one stat per file (trusting folder mtimes, which miss an edit made in
   place) could meet it, and that is a correctness trade this design does not make.
4. **Local engines.** Two Piper workers with one onnxruntime thread each beat in-process Piper
   (default threads) by about 1.4x on 2 cores; a worker's model load (about 3 s of CPU) is the
   fixed cost that makes the pool pay only from a few dozen prompts on.
"""
