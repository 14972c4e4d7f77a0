"""The exception tree: every error a user can cause or fix is an IvrPromptsError."""

from __future__ import annotations

from collections.abc import Sequence


class IvrPromptsError(Exception):
    """A known failure, shown to the user as one line per problem without a traceback."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def lines(self) -> list[str]:
        """The lines the CLI prints for this error."""
        return [self.message]


class UsageError(IvrPromptsError):
    """The command line or the files it names cannot be used."""

    exit_code = 2


class ConfigError(UsageError):
    """prompts.toml, a template or a dictionary is invalid; holds every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))

    def lines(self) -> list[str]:
        return list(self.problems)


class ConfigNotFound(ConfigError):
    """There is no prompts.toml where the command looked."""


class EngineError(IvrPromptsError):
    """A synthesis request failed; `retryable` says whether trying again may help."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.request_id = request_id
        self.retryable = retryable
        self.retry_after = retry_after


class EngineUnavailable(EngineError):
    """The engine cannot run at all (not installed, no key, bad key, server unreachable)."""

    exit_code = 2


class AudioError(IvrPromptsError):
    """Audio bytes that cannot be read or processed."""


class BuildFailed(IvrPromptsError):
    """Some prompts failed; nothing was published. Holds one line per failure."""

    def __init__(self, failures: Sequence[str], prompts: int) -> None:
        self.failures = list(failures)
        self.prompts = prompts
        super().__init__(f"{prompts} prompt(s) failed; nothing was published")

    def lines(self) -> list[str]:
        return [*self.failures, self.message]


class PublishError(IvrPromptsError):
    """The output cannot be written (disk full, name too long, not a folder, no permission)."""
