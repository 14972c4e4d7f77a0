"""How long an S3 endpoint may keep a build waiting (the upload and the remote cache alike).

Each request gets `timeout` seconds to connect and as long again for each read, and is tried
`ATTEMPTS` times: an endpoint that accepts connections and never answers is given up after
`deadline(timeout)` seconds, 21 s by default. `IVR_PROMPTS_S3_TIMEOUT` sets the per-attempt
timeout (a slow link may want more; tests want less).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    from botocore.config import Config

TIMEOUT_ENV = "IVR_PROMPTS_S3_TIMEOUT"
DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 300.0
ATTEMPTS = 2
# botocore's standard retry mode waits at most 1 s (times a random factor) before attempt 2.
_BACKOFF = 1.0


def timeout(environ: Mapping[str, str] = os.environ) -> float:
    """Seconds per attempt: IVR_PROMPTS_S3_TIMEOUT, or 10."""
    raw = environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (0 < value <= MAX_TIMEOUT):
        raise UsageError(
            f"{TIMEOUT_ENV}={raw!r}: not a number of seconds between 0 and {MAX_TIMEOUT:g}; "
            f"e.g. {TIMEOUT_ENV}={DEFAULT_TIMEOUT:g}"
        )
    return value


def deadline(per_attempt: float) -> float:
    """The longest a stalled endpoint holds one request: every attempt times out, plus backoff."""
    return ATTEMPTS * per_attempt + _BACKOFF


def client_config(**extra: Any) -> Config:
    """botocore's client config with these timeouts and retries (botocore imported here only)."""
    from botocore.config import Config

    per_attempt = timeout()
    return Config(
        connect_timeout=per_attempt,
        read_timeout=per_attempt,
        retries={"mode": "standard", "total_max_attempts": ATTEMPTS},  # first one included
        **extra,
    )
