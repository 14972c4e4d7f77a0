"""A changed text as one line: a word diff in git's --word-diff notation, `[-old-]{+new+}`,
with long unchanged runs shortened, instead of both full texts."""

from __future__ import annotations

import difflib
import re

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
# Unchanged words kept on each side of a change; longer runs are cut to "...".
CONTEXT = 4


def word_diff_line(old: str, new: str, context: int = CONTEXT) -> str:
    """`old` -> `new` as kept text with `[-deleted-]` and `{+inserted+}` marks."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    parts: list[str] = []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            parts.append(_shorten(a[i1:i2], context, index == 0, index == len(opcodes) - 1))
            continue
        if tag in ("delete", "replace"):
            parts.append(_mark("".join(a[i1:i2]), "[-", "-]"))
        if tag in ("insert", "replace"):
            parts.append(_mark("".join(b[j1:j2]), "{+", "+}"))
    return "".join(parts)


def _mark(text: str, start: str, end: str) -> str:
    """`text` marked, its leading and trailing spaces left outside the marks."""
    core = text.strip()
    if not core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}{start}{core}{end}{trail}"


def _shorten(run: list[str], context: int, first: bool, last: bool) -> str:
    """An unchanged run, keeping `context` words next to each change."""
    words = [i for i, t in enumerate(run) if not t.isspace()]
    keep_head = 0 if first else context
    keep_tail = 0 if last else context
    if len(words) <= keep_head + keep_tail + 1:
        return "".join(run)
    head = "".join(run[: words[keep_head - 1] + 1]) if keep_head else ""
    tail = "".join(run[words[-keep_tail] :]) if keep_tail else ""
    lead = " " if run[0].isspace() and not head else ""
    trail = " " if run[-1].isspace() and not tail else ""
    return f"{lead}{head}{' ' if head else ''}...{' ' if tail else ''}{tail}{trail}"
