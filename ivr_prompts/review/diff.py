"""Word diffs: old text against new, and a transcript against its spoken (dictionary) form."""

from __future__ import annotations

import difflib
import re
from typing import Literal

Op = Literal["same", "del", "ins"]
Piece = tuple[Op, str]

# Words, runs of space, and single punctuation marks: a diff never splits a word.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def tokens(text: str) -> list[str]:
    """The text cut into words, spaces and punctuation; joining them gives the text back."""
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[Piece]:
    """`old` turned into `new`: kept, deleted and inserted pieces, in reading order."""
    a, b = tokens(old), tokens(new)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(pieces, "same", "".join(a[i1:i2]))
            continue
        if tag in ("delete", "replace"):
            _add(pieces, "del", "".join(a[i1:i2]))
        if tag in ("insert", "replace"):
            _add(pieces, "ins", "".join(b[j1:j2]))
    return pieces


def substitutions(text: str, spoken: str) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    """The transcript and the spoken text, each as (substituted?, piece): what the
    pronunciation dictionary replaced is marked on both sides."""
    written: list[tuple[bool, str]] = []
    said: list[tuple[bool, str]] = []
    for op, piece in word_diff(text, spoken):
        if op in ("same", "del"):
            written.append((op == "del", piece))
        if op in ("same", "ins"):
            said.append((op == "ins", piece))
    return written, said


def _add(pieces: list[Piece], op: Op, text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1][0] == op:
        pieces[-1] = (op, pieces[-1][1] + text)
    else:
        pieces.append((op, text))
