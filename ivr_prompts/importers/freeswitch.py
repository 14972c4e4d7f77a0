"""FreeSWITCH's phrase files, as its source tree ships them.

- Transcript lists (`docs/phrase/phrase_<lang>.xml`, and the phrase_<lang>.xml ivr-prompts
  publishes): `<prompt phrase="..." filename="welcome.wav"/>` grouped by category, either the
  category's own element (`<ivr>`, `<voicemail>`) or `<category name="ivr">`. The id is
  `<category>/<file stem>`, where the file lives under the voice folder (`ivr/8000/welcome.wav`).
- Phrase macros (`conf/*/lang/<lang>/**/*.xml`): `<action function="speak-text" data="..."/>`
  is imported (id: the macro's name, `/2`, `/3`... for more than one); `play-file` names a
  recording and holds no words (its transcript is in phrase_<lang>.xml): listed as not imported,
  as is text filled in at run time ("$1").

Namespaced XML reads the same (the namespace is ignored). Elements carry their line in errors.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..config import check_prompt_id
from ..errors import UsageError
from .model import Entry, Inventory, clean_text, locale_from_name, read_text, shown

# Elements that wrap categories rather than being one; "root" is how we publish ids without one.
_WRAPPERS = frozenset({"include", "language", "phrases", "macros", "input", "match"})
_SKIPPED = frozenset({"nomatch", "X-PRE-PROCESS"})
# Phrase files nest a handful of levels; deeper is not one (and would only cost memory).
MAX_DEPTH = 64


class _Lines(TreeBuilder):
    """A tree builder that remembers each element's line and refuses absurd nesting."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.lines: dict[int, int] = {}
        self.depth = 0
        self.parser: SafeET.DefusedXMLParser | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = super().start(tag, attrs)
        line = self.parser.parser.CurrentLineNumber if self.parser is not None else 0
        self.lines[id(element)] = line
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise UsageError(
                f"{self.name}:{line}: elements nested over {MAX_DEPTH} deep; "
                "a phrase file nests a few levels: this is not one"
            )
        return element

    def end(self, tag: str) -> Element:
        self.depth -= 1
        return super().end(tag)


def read(path: Path, locale: str | None = None) -> Inventory:
    """Every <prompt> and speak-text of the file, its id from its category (or macro)."""
    name = shown(path)
    root, lines = _parse(name, read_text(path))
    code = locale or locale_from_name(path) or _language_attribute(root)
    if code is None:
        raise UsageError(
            f"{name}: cannot tell the language from the file name or a <language name=...>; "
            "pass --locale CODE (or name it phrase_<lang>.xml)"
        )
    inventory = Inventory(path, "freeswitch")
    _walk(root, lines, code, inventory)
    return inventory


def _parse(name: str, text: str) -> tuple[Element, dict[int, int]]:
    builder = _Lines(name)
    parser = SafeET.DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(text)
        root = parser.close()
    except DefusedXmlException as exc:
        raise UsageError(
            f"{name}: refusing XML with a DTD or entities ({type(exc).__name__}); "
            "remove the <!DOCTYPE> and entity references"
        ) from exc
    except ParseError as exc:
        line, column = exc.position
        raise UsageError(f"{name}:{line}: not well-formed XML (column {column})") from exc
    return root, builder.lines


def _local(tag: object) -> str:
    """A tag without its namespace ("{urn:x}prompt" -> "prompt")."""
    return str(tag).rpartition("}")[2]


def _language_attribute(root: Element) -> str | None:
    for element in root.iter():
        if _local(element.tag) == "language" and (name := element.get("name")):
            return name
    return None


def _walk(root: Element, lines: dict[int, int], code: str, inventory: Inventory) -> None:
    """Depth first, without recursion (the depth is bounded when parsing)."""
    stack: list[tuple[Element, str | None]] = [(root, None)]
    spoken: dict[str, int] = {}  # speak-text actions per macro so far
    while stack:
        element, category = stack.pop()
        children: list[tuple[Element, str | None]] = []
        for child in element:
            tag = _local(child.tag)
            line = lines.get(id(child), 0)
            if tag == "prompt":
                _prompt(child, category, code, inventory, line)
            elif tag == "action":
                _action(child, category, line, spoken=spoken, code=code, inventory=inventory)
            elif tag in ("category", "macro"):
                children.append((child, child.get("name") or category))
            elif tag in _WRAPPERS:
                children.append((child, category))
            elif tag not in _SKIPPED:
                children.append((child, tag))
        stack.extend(reversed(children))


def _prompt(
    element: Element, category: str | None, code: str, inventory: Inventory, line: int
) -> None:
    filename = (element.get("filename") or "").strip()
    phrase = clean_text(element.get("phrase") or "")
    if not filename:
        inventory.problem(line, f"<prompt phrase={phrase[:40]!r}> has no filename")
        return
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    folder = "" if category in (None, "root") else f"{category}/"
    pid = f"{folder}{stem}"
    if (why := check_prompt_id(pid)) is not None:
        inventory.problem(line, f"prompt {filename!r} in category {category!r}: id {pid!r} {why}")
        return
    if not phrase:
        inventory.problem(line, f"{pid}: empty phrase; give it the words it speaks")
        return
    remarks = "; ".join(f"{k}: {clean_text(v)}" for k in ("info", "note") if (v := element.get(k)))
    inventory.entries.append(Entry(pid, code, phrase, line, description=remarks))


def _action(
    element: Element,
    macro: str | None,
    line: int,
    *,
    spoken: dict[str, int],
    code: str,
    inventory: Inventory,
) -> None:
    """One action of a phrase macro: speak-text is words; the rest names sounds or values."""
    function = element.get("function") or ""
    data = clean_text(element.get("data") or "")
    if macro is None:
        inventory.problem(line, "an <action> outside a <macro name=...>; not imported")
        return
    if function == "speak-text" and data and "$" not in data:
        spoken[macro] = number = spoken.get(macro, 0) + 1
        pid = macro if number == 1 else f"{macro}/{number}"
        if (why := check_prompt_id(pid)) is not None:
            inventory.problem(line, f"macro {macro!r}: id {pid!r} {why}")
            return
        inventory.entries.append(Entry(id=pid, locale=code, text=data, line=line))
        return
    if function == "speak-text":
        reason = f"speaks a value filled in at run time: {data}"
    elif function == "play-file":
        reason = f"plays the recording {data} (its words are in phrase_<lang>.xml)"
    else:
        reason = f"a {function or 'nameless'} action, not words: {data}"
    inventory.entries.append(
        Entry(id=macro, locale=code, text=data, line=line, kind="sound", reason=reason)
    )
