"""The exception tree: every error a user can cause or fix is an IvrPromptsError."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .kinds import Severity


@dataclass(frozen=True)
class Problem:
    """One finding, as data: where it is, what it is about, what is wrong and how to fix it.

    `message` is the one line a person reads (it may name the place itself, as config errors do);
    `file`, `line`, `key`, `prompt` and `locale` are for machines (annotations, JUnit, JSON), so
    no writer ever parses them back out of the message.
    """

    message: str
    file: str = ""
    line: int = 0
    key: str = ""
    prompt: str = ""
    locale: str = ""
    severity: Severity = "error"
    fix: str = ""
    code: str = "config"
    # True when `message` already names its place (config and template errors, read as one line
    # on the terminal): the writers then do not prefix the subject again.
    named: bool = False

    @property
    def subject(self) -> str:
        """ "main/welcome [en-US]" for a pair, the prompt id alone, or the file for a file check."""
        if self.prompt and self.locale:
            return f"{self.prompt} [{self.locale}]"
        return self.prompt or self.file

    def text(self) -> str:
        """The message and its fix, as one line."""
        return f"{self.message}; {self.fix}" if self.fix else self.message

    def finding(self) -> str:
        """The line `check`, `plan` and `validate` print: place, severity, subject, code, text."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        subject = self.subject
        about = f"{subject}: " if subject and subject != self.file and not self.named else ""
        return f"{where}: {self.severity}: {about}{self.code}: {self.text()}"


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
    """prompts.toml, a template or a dictionary is invalid; holds every problem found.

    Plain strings are accepted (and become a Problem with only a message) so callers that have
    no position to give stay simple.
    """

    def __init__(self, problems: Sequence[Problem | str]) -> None:
        self.found = [p if isinstance(p, Problem) else Problem(p, named=True) for p in problems]
        super().__init__("; ".join(self.problems))

    @property
    def problems(self) -> list[str]:
        """Each problem as the line a person reads."""
        return [p.text() for p in self.found]

    def lines(self) -> list[str]:
        return self.problems


class PreflightFailed(ConfigError):
    """The set cannot be built as declared (found before any synthesis, so nothing is billed)."""

    exit_code = 1


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


class ShardFailed(BuildFailed):
    """Some syntheses of a shard's share failed; the rest of its share is cached."""

    def __init__(self, shard: str, failures: Sequence[str], prompts: int) -> None:
        super().__init__(failures, prompts)
        self.message = (
            f"shard {shard}: {prompts} synthesis(es) failed; the rest of its share is cached; "
            "run the shard again to make only what is missing"
        )


class PublishError(IvrPromptsError):
    """The output cannot be written (disk full, name too long, not a folder, no permission)."""
