"""Server-Sent Events of /waves/v1/tts/live: events from lines, audio and done from frames."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator

from ...errors import EngineError
from .errors import RETRYABLE_STATUSES, vendor_message, with_id


async def sse_events(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The data of each Server-Sent Event (multi-line data joined with newlines)."""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)


def sse_frame(data: str, request_id: str | None) -> tuple[bytes, bool]:
    """(audio bytes, done) of one SSE frame; raises on frames that report errors."""
    try:
        frame = json.loads(data)
    except ValueError as exc:
        raise EngineError(
            with_id("Waves sent an audio event that is not JSON", request_id),
            status=200,
            request_id=request_id,
        ) from exc
    if not isinstance(frame, dict):
        raise EngineError(
            with_id("Waves sent an audio event that is not a JSON object", request_id),
            status=200,
            request_id=request_id,
        )
    status = str(frame.get("status", "200"))
    if frame.get("error") or (status.isdigit() and int(status) >= 400):
        message, _ = vendor_message(data.encode())
        code = int(status) if status.isdigit() else None
        raise EngineError(
            with_id(f"Waves reported an error mid-stream ({status}): {message}", request_id),
            status=code,
            request_id=request_id,
            retryable=code is not None and (code in RETRYABLE_STATUSES or code >= 500),
        )
    chunk = b""
    encoded = frame.get("audio")
    if encoded is not None:
        if not isinstance(encoded, str):
            raise EngineError(
                with_id("Waves sent an audio event whose audio is not a string", request_id),
                status=200,
                request_id=request_id,
            )
        try:
            chunk = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise EngineError(
                with_id("Waves sent audio that is not valid base64", request_id),
                status=200,
                request_id=request_id,
            ) from exc
    return chunk, frame.get("done") is True
