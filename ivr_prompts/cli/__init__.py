"""The command line: the only package that prints, sets up logging and progress, or runs asyncio.

`app` holds the group and the shared options, `output` the printing and the error boundary,
`show` the tables and progress bar (rich), and one module per area holds its commands (`build`:
build and check, each answering a no-op before importing the machinery; `project`: render, plan,
validate; `waves`: voices and dicts; `review`: the review page; `transfer`: import). A command's
module is imported when the command is asked for (`app.COMMANDS`).
"""

from __future__ import annotations

from .app import main

__all__ = ["main"]
