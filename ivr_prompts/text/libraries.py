"""The installed versions of the libraries that verbalize, found cheaply (no import, no package
metadata scan: one listing of each sys.path folder), for the no-op fingerprint: an upgrade that
may say a number differently must make the next build look."""

from __future__ import annotations

import functools
import os
import sys

# Distribution names as their .dist-info folders spell them (normalised: lower case, "_").
LIBRARIES = ("num2words", "unicode_rbnf", "babel", "phonenumbers")


@functools.cache
def versions() -> tuple[str, ...]:
    """Each library's dist-info folder name ("babel-2.19.0.dist-info"), sorted; a library not
    installed is simply absent."""
    found: set[str] = set()
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and name.lower().split("-", 1)[0] in LIBRARIES:
                found.add(name.lower())
    return tuple(sorted(found))
