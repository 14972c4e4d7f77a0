"""The version of every format a build writes, in one light module (the no-op reads them all).

Bump the one whose meaning changed: cache entries and published sets made before then miss or
are rebuilt; nothing is ever read under a meaning it was not written with.
"""

from __future__ import annotations

# Cache keys: when the meaning of a key changes, old entries simply miss.
SCHEMA_VERSION = 2
# Processed audio: when `audio.process` makes something else from the same input and settings,
# cached processed audio misses and is re-made from the cached synthesis (never re-synthesized).
PROCESSING_VERSION = 3  # 3: the level re-measured after every gain (P.56 is not scale-invariant)
# The published set's manifest.
MANIFEST_VERSION = 1
# What `check` finds from the same inputs and published tree (its remembered findings).
CHECK_VERSION = 1
