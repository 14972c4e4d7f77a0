"""Line numbers of TOML keys: tomllib gives values but no positions, so findings get them here.

`key_lines(text)` maps each key path (`("waves", "concurrency")`, `("prompts", 2, "id")`) to the
1-based line where it is written; arrays of tables count from 0 like the decoded list. The scan
only needs to be right for text tomllib accepted: it skips strings (multi-line included), arrays
and inline tables so nothing inside a value is taken for a key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

KeyPath = tuple[str | int, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# Runs the scan can jump over in one step (a long array or string is not walked a character at
# a time): inside a value, anything that opens or closes nothing; inside a one-line string,
# anything but its quote, a backslash (basic strings) and the end of the line.
_PLAIN = re.compile(r"[^\"'#\n\[\]{}]+")
_BASIC = re.compile(r'(?:[^"\\\n]|\\.)*')
_LITERAL = re.compile(r"[^'\n]*")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def advance(self, n: int = 1) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + n)
        self.pos += n

    def skip_blanks(self) -> None:
        while self.peek() in (" ", "\t") and self.peek():
            self.advance()

    def skip_to_eol(self) -> None:
        end = self.text.find("\n", self.pos)
        self.advance((len(self.text) if end < 0 else end) - self.pos)

    def string(self) -> str:
        """Read a quoted string (any of the four kinds) and return its raw content."""
        for quote in ('"""', "'''"):
            if self.peek(3) == quote:
                self.advance(3)
                start = self.pos
                while self.pos < len(self.text):
                    if quote == '"""' and self.peek() == "\\":
                        self.advance(2)
                    elif self.peek(3) == quote:
                        # Up to two quotes may end the content right before the delimiter.
                        while self.peek(4) == quote + quote[0]:
                            self.advance()
                        value = self.text[start : self.pos]
                        self.advance(3)
                        return value
                    else:
                        self.advance()
                return self.text[start:]
        quote = self.peek()
        self.advance()
        start = self.pos
        found = (_BASIC if quote == '"' else _LITERAL).match(self.text, self.pos)
        self.pos = found.end() if found else self.pos  # one line: no line to count
        value = self.text[start : self.pos]
        self.advance()
        return value

    def key(self) -> list[str]:
        """A dotted key: bare or quoted parts separated by dots."""
        parts: list[str] = []
        while True:
            self.skip_blanks()
            if self.peek() in ('"', "'"):
                parts.append(self.string())
            else:
                start = self.pos
                while self.peek() and self.peek() in _BARE:
                    self.advance()
                parts.append(self.text[start : self.pos])
            self.skip_blanks()
            if self.peek() != ".":
                return parts
            self.advance()

    def value(self) -> None:
        """Skip one value, however many lines it spans."""
        depth = 0
        while self.pos < len(self.text):
            plain = _PLAIN.match(self.text, self.pos)
            if plain:
                self.pos = plain.end()  # holds no newline: the line is unchanged
                continue
            char = self.peek()
            if char in ('"', "'"):
                self.string()
                continue
            if char == "#":
                self.skip_to_eol()
                continue
            if char == "\n" and depth == 0:
                return
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
            self.advance()


def key_lines(text: str) -> dict[KeyPath, int]:
    """Every key path in `text` with the line that writes it (the first line that implies it)."""
    scan = _Scanner(text)
    found: dict[KeyPath, int] = {}
    counts: dict[KeyPath, int] = {}
    table: KeyPath = ()

    def note(path: KeyPath, line: int) -> None:
        for end in range(1, len(path) + 1):
            found.setdefault(path[:end], line)

    while scan.pos < len(text):
        scan.skip_blanks()
        char = scan.peek()
        line = scan.line
        if char == "[":
            array = scan.peek(2) == "[["
            scan.advance(2 if array else 1)
            path: KeyPath = tuple(scan.key())
            if array:
                index = counts.get(path, 0)
                counts[path] = index + 1
                path = (*path, index)
            table = path
            note(path, line)
            scan.skip_to_eol()
        elif char and char not in "#\n\r":
            parts = scan.key()
            note((*table, *parts), line)
            if scan.peek() == "=":
                scan.advance()
                scan.value()
        scan.skip_to_eol()
        if scan.peek() == "\n":
            scan.advance()
    return found


def line_of(lines: Mapping[KeyPath, int], path: Sequence[str | int]) -> int:
    """The line of `path`, or of its nearest written ancestor (a value inside an inline table or
    an array shares its key's line); 0 when none of it is written."""
    key = tuple(path)
    for end in range(len(key), 0, -1):
        if key[:end] in lines:
            return lines[key[:end]]
    return 0


def error_line(exc: Exception, text: str) -> int:
    """The line of a TOMLDecodeError (Python 3.14 has `lineno`; earlier ones only say it)."""
    line = getattr(exc, "lineno", None)
    if isinstance(line, int):
        return line
    found = re.search(r"at line (\d+)", str(exc))
    if found:
        return int(found.group(1))
    return max(1, len(text.splitlines())) if "end of document" in str(exc) else 0
