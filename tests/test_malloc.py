"""The command line's allocator tuning: numpy's short-lived audio arrays stop faulting pages in."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# A P.56 envelope's pattern: two arrays of 300 kB alive at once, then freed; page faults per
# round, counted by the kernel.
FAULTS = """
import resource, sys
import numpy as np
from ivr_prompts.cli import malloc
print(malloc.tune())
x, w = np.random.rand(4, 9600), np.random.rand(9600)
def once():
    return np.cumsum(x * w, axis=1)
for _ in range(10):
    once()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    once()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 200)
"""


def faults(env: dict[str, str]) -> tuple[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", FAULTS], env=env, capture_output=True, text=True, check=True
    )
    tuned, per_round = done.stdout.split()
    return tuned, float(per_round)


pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"),
    reason="mallopt is glibc's",
)


def test_tuned_allocator_keeps_the_pages_of_freed_arrays() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_"))}
    tuned, per_round = faults(env)
    assert tuned == "True"
    # Untuned glibc gives the pages back and faults them in again: about 118 per round here.
    assert per_round < 1.0


def test_users_own_malloc_settings_win() -> None:
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "131072"}
    tuned, _ = faults(env)
    assert tuned == "False"
