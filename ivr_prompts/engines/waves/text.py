"""Text for Waves requests: long prompts split at sentence, clause and word boundaries."""

from __future__ import annotations

import hashlib
import re

_SENTENCE_END = re.compile(r"(?<=[.!?…。！？।॥])[\"'”’)\]]*\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:—–、，；])\s+")


def split_text(text: str, max_chars: int) -> list[str]:
    """Pieces of at most max_chars: whole sentences packed together, then clauses, then words."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return [text] if text else []
    pieces: list[str] = []
    for sentence in _split_keep(text, _SENTENCE_END):
        if len(sentence) <= max_chars:
            pieces.append(sentence)
            continue
        for clause in _split_keep(sentence, _CLAUSE_END):
            if len(clause) <= max_chars:
                pieces.append(clause)
            else:
                pieces.extend(_split_words(clause, max_chars))
    return _pack(pieces, max_chars)


def _split_keep(text: str, pattern: re.Pattern[str]) -> list[str]:
    return [part for part in (p.strip() for p in pattern.split(text)) if part]


def _split_words(text: str, max_chars: int) -> list[str]:
    out: list[str] = []
    for word in text.split(" "):
        # One "word" longer than a request is cut where it must be.
        out.extend(word[i : i + max_chars] for i in range(0, len(word), max_chars))
    return _pack(out, max_chars)


def _pack(parts: list[str], max_chars: int) -> list[str]:
    packed: list[str] = []
    for part in parts:
        if packed and len(packed[-1]) + 1 + len(part) <= max_chars:
            packed[-1] = f"{packed[-1]} {part}"
        else:
            packed.append(part)
    return packed


def piece_request_id(cache_key: str, index: int) -> str:
    """A request id for piece `index` of a prompt: safe characters, at most 128 long."""
    safe = re.sub(r"[^a-zA-Z0-9_\-.]", "_", cache_key) or "prompt"
    if len(safe) > 100:
        safe = hashlib.sha256(cache_key.encode()).hexdigest()[:64]
    return f"{safe}.p{index}"
