"""One attempt: its wall-clock bound, the backoff before the next, and what can go wrong in it
translated into our errors (every httpx exception class lands somewhere)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from ...errors import EngineError, EngineUnavailable
from .errors import one_line, with_id
from .routes import BASE_URL_ENV

BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0


@dataclass
class Attempt:
    """One attempt: its wall-clock bound, and what the server has said so far."""

    bound: float
    by_deadline: bool = False
    timed_out: bool = False
    answered: bool = False
    request_id: str | None = None


def backoff_delay(attempt: int, retry_after: float | None, rng: random.Random) -> float:
    """Full-jitter exponential backoff (0.5 s doubling to 30 s), never shorter than Retry-After."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1))
    jittered = rng.uniform(0.0, ceiling)
    return jittered if retry_after is None else max(retry_after, jittered)


def timeout_error(attempt: Attempt, base_url: str, deadline_seconds: float) -> EngineError:
    """A server that accepts but never answers is as unusable as one that cannot be reached."""
    what = "finish its answer" if attempt.answered else "answer"
    if attempt.by_deadline:
        limit = deadline_seconds
        within = f"before the request's deadline of {limit:g} s (waves.deadline_seconds)"
    else:
        within = f"within {attempt.bound:g} s"
    return EngineUnavailable(
        with_id(f"Waves did not {what} {within} (at {base_url})", attempt.request_id),
        request_id=attempt.request_id,
        retryable=True,
    )


def transport_error(
    exc: Exception, attempt: Attempt, base_url: str, deadline_seconds: float
) -> EngineError:
    """Our error for an httpx exception; every httpx exception class lands somewhere."""
    detail = one_line(str(exc) or "no detail")
    rid = attempt.request_id
    if isinstance(exc, httpx.TimeoutException):
        attempt.timed_out = True
        return timeout_error(attempt, base_url, deadline_seconds)
    if isinstance(exc, httpx.ConnectError):
        detail = one_line(str(exc) or "connection failed")
        return EngineUnavailable(
            f"cannot connect to the Waves API at {base_url} ({detail}); "
            f"check waves.base_url in prompts.toml or {BASE_URL_ENV}",
            retryable=True,
        )
    if isinstance(
        exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, httpx.CloseError)
    ):
        return EngineError(
            with_id(
                f"the connection to Waves broke mid-request ({type(exc).__name__}: {detail})",
                rid,
            ),
            request_id=rid,
            retryable=True,
        )
    if isinstance(exc, httpx.DecodingError):
        return EngineError(
            with_id(f"Waves sent a body that cannot be decoded ({one_line(str(exc))})", rid),
            request_id=rid,
            retryable=True,
        )
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.ProxyError)):
        return EngineUnavailable(
            f"cannot use the Waves base URL {base_url!r} "
            f"({one_line(str(exc))}); check waves.base_url or {BASE_URL_ENV}"
        )
    if isinstance(exc, httpx.TooManyRedirects):
        return EngineUnavailable(f"Waves at {base_url} redirects too often; check waves.base_url")
    # LocalProtocolError, HTTPStatusError and stream misuse: bugs more than weather.
    return EngineError(f"Waves request failed ({type(exc).__name__}: {detail})")


def give_up(exc: EngineError, attempt: int, why: str | None) -> None:
    if attempt > 1 or why is not None:
        exc.message = f"{exc.message}; gave up after {attempt} attempt(s)"
        if why:
            exc.message += f": {why}"
        exc.args = (exc.message,)
    exc.retryable = False
