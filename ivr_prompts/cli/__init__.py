"""The command line: the only package that prints, sets up logging and progress, or runs asyncio.

`app` holds the group and the shared options, `output` the printing and the error boundary, and
one module per area holds its commands (`project`: build, render, check, plan, validate; `waves`:
voices and dicts; `review`: the review page; `transfer`: import). It is a package because the
commands with their help texts do not fit one 400-line module.
"""

from __future__ import annotations

from . import project, review, transfer, waves
from .app import main

__all__ = ["main", "project", "review", "transfer", "waves"]
