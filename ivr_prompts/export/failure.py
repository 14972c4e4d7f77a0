"""An export that failed after the set was published: its own exit code, so CI can tell it
from a build that published nothing (1)."""

from __future__ import annotations

from ..errors import IvrPromptsError

# Documented in `ivr-prompts build --help` and docs/trust.md.
EXIT_PUBLISHED_EXPORT_FAILED = 3


class ExportFailed(IvrPromptsError):
    """The set is published (the output folder holds it), but `step` after it failed."""

    exit_code = EXIT_PUBLISHED_EXPORT_FAILED

    def __init__(self, step: str, cause: IvrPromptsError) -> None:
        super().__init__(f"published; {step} failed: {'; '.join(cause.lines())}")
        self.step = step
        self.cause = cause
