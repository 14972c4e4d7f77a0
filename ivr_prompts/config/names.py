"""Rules for every name that becomes a path, a request field or a folder: full-string matches only.

`re.match` with `$` lets a trailing newline through; every rule here uses `fullmatch`.
"""

from __future__ import annotations

import re
from typing import Any

# Published paths stay well inside every file system's limits (255 bytes a name, 4096 a path).
MAX_ID = 200
MAX_ID_PART = 100

SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
LOCALE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Engine voice names: Waves ids (magnus, voice_...), espeak-ng (es-419, en-GB-scotland), Piper.
VOICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}")


def check_prompt_id(prompt_id: str) -> str | None:
    """Why `prompt_id` cannot be a file path, or None when it is safe."""
    if not prompt_id:
        return "is empty"
    if len(prompt_id) > MAX_ID:
        return f"is {len(prompt_id)} characters; ids may have at most {MAX_ID}"
    if prompt_id.startswith("/") or "\\" in prompt_id or ":" in prompt_id:
        return "must be a relative path like 'main/welcome'"
    for segment in prompt_id.split("/"):
        if segment in ("", ".", ".."):
            return "must not contain empty, '.' or '..' segments"
        if not SAFE_SEGMENT.fullmatch(segment):
            return "may use only letters, digits, '_', '-' and '.' in each '/'-separated part"
        if len(segment) > MAX_ID_PART:
            return (
                f"has a part of {len(segment)} characters; each part may have at most {MAX_ID_PART}"
            )
    return None


def check_template_name(name: Any) -> str | None:
    """Why `name` is not a file inside templates/, or None."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith("/") or ":" in name or any(p in ("", ".", "..") for p in parts):
        return "must be a file inside templates/, like 'welcome.j2'"
    return None


def safe_segment(value: Any) -> str | None:
    """Why `value` cannot be one part of a published path, or None."""
    ok = SAFE_SEGMENT.fullmatch(value)
    return None if ok else "may use only letters, digits, '_', '-' and '.'"


def language(value: Any) -> str | None:
    return None if LOCALE.fullmatch(value) else "must be a language code like 'en' or 'es'"


def voice(value: Any) -> str | None:
    """Why `value` cannot be a voice name, or None."""
    if VOICE.fullmatch(value):
        return None
    return "must be a voice name: letters, digits, '_', '-', '.' and '+', at most 128"
