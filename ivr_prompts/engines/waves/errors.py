"""Waves' error answers as our errors: status mapping, vendor messages, Retry-After."""

from __future__ import annotations

import email.utils
import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC

from ...errors import EngineError, EngineUnavailable

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class WavesStatusError(EngineError):
    """Waves answered with an error status; `vendor_message` and `field` come from its body."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        request_id: str | None,
        retryable: bool,
        retry_after: float | None = None,
        vendor_message: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(
            message,
            status=status,
            request_id=request_id,
            retryable=retryable,
            retry_after=retry_after,
        )
        self.vendor_message = vendor_message
        self.field = field


def is_unknown_dictionary(exc: BaseException) -> bool:
    """Whether `exc` is Waves saying a pronunciation dictionary id is unknown."""
    return (
        isinstance(exc, WavesStatusError)
        and exc.status == 400
        and "invalid input data" in (exc.vendor_message or "").lower()
    )


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP-date), None if absent."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def vendor_message(body: bytes) -> tuple[str | None, str | None]:
    """(message, field) from any of Waves' error body shapes; both None when unreadable."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        text = body.decode("utf-8", "replace").strip()
        if not text or text.lstrip().startswith("<"):
            return None, None
        return one_line(text), None
    if not isinstance(data, dict):
        return None, None
    message: str | None = None
    field: str | None = None
    for key in ("error", "errors"):
        issues = data.get(key)
        if isinstance(issues, list):
            for issue in issues:
                if isinstance(issue, dict):
                    path = issue.get("path")
                    if field is None and isinstance(path, list) and path:
                        field = ".".join(str(p) for p in path)
                    if message is None and isinstance(issue.get("message"), str):
                        message = issue["message"]
    top = data.get("message")
    if isinstance(top, str) and top.strip():
        message = top
    elif message is None and isinstance(data.get("error"), str):
        message = data["error"]
    return (one_line(message) if message else None), field


def one_line(text: str, limit: int = 300) -> str:
    """`text` on one line, cut to `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def with_id(message: str, request_id: str | None) -> str:
    """`message` quoting the server's request id when there is one."""
    return f"{message} (request id {request_id})" if request_id else message


def status_error(
    status: int,
    reason: str,
    headers: Mapping[str, str],
    request: tuple[str, str],
    body: bytes,
    *,
    base_url: str,
    key_env: str,
    redact: Callable[[str], str],
    now: float,
) -> EngineError:
    """The error for a non-200 answer to `request` (method, path); headers lower-cased."""
    method, path = request
    rid = headers.get("x-request-id")
    message, field = vendor_message(body)
    message = redact(message) if message else None
    where = f"{field}: " if field else ""
    said = f"{where}{message}" if message else (reason or "no detail")
    if 300 <= status < 400:
        location = redact(headers.get("location", "")) or "nowhere"
        return EngineUnavailable(
            with_id(
                f"Waves at {base_url} redirected {method} {path} to {location} ({status}): "
                "set waves.base_url in prompts.toml (or SMALLEST_BASE_URL) to the API's own "
                "address, https://api.smallest.ai unless you use a stand-in",
                rid,
            ),
            status=status,
            request_id=rid,
        )
    if status == 401:
        return EngineUnavailable(
            with_id(
                f"Waves rejected the API key in {key_env} (401 Unauthorized): "
                "set a valid key from the Smallest AI console",
                rid,
            ),
            status=status,
            request_id=rid,
        )
    if status == 403:
        return EngineUnavailable(
            with_id(
                f"Waves refused the request (403 Forbidden: {said}): your plan does not "
                "include it or its usage limit is reached",
                rid,
            ),
            status=status,
            request_id=rid,
        )
    if status in (404, 410):
        return EngineUnavailable(
            with_id(
                f"Waves has no route {method} {path} ({status}): the route is retired or "
                f"waves.base_url ({base_url}) is wrong",
                rid,
            ),
            status=status,
            request_id=rid,
        )
    retryable = status in RETRYABLE_STATUSES or status >= 500
    retry_after = parse_retry_after(headers.get("retry-after"), now)
    if status == 400:
        text = f"Waves rejected the request (400): {said}"
    elif status == 429:
        text = f"Waves is busy (429 Too Many Requests: {said})"
    else:
        text = f"Waves answered {status} {reason}".rstrip()
        text += f": {said}" if message else ""
    return WavesStatusError(
        with_id(text, rid),
        status=status,
        request_id=rid,
        retryable=retryable,
        retry_after=retry_after,
        vendor_message=message,
        field=field,
    )
