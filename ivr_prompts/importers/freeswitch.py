"""FreeSWITCH's transcript index: phrase_<lang>.xml.

`<prompt phrase="..." filename="welcome.wav"/>` elements grouped by category: either the
category's own element (`<ivr>`, `<voicemail>`, as in the stock sound packs) or
`<category name="ivr">` (as ivr-prompts publishes it). The id is `<category>/<file stem>`, which
is where the file lives under the voice folder (`ivr/8000/welcome.wav`).
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..config import check_prompt_id
from ..errors import UsageError
from .model import Entry, Inventory, clean_text, locale_from_name, read_text

# Elements that wrap categories rather than being one; "root" is how we publish ids without one.
_WRAPPERS = frozenset({"include", "language", "phrases", "macros"})


def read(path: Path, locale: str | None = None) -> Inventory:
    """Every <prompt> of the file, its id from its category and file name."""
    text = read_text(path)
    try:
        root = SafeET.fromstring(text, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise UsageError(
            f"{path.name}: refusing XML with a DTD or entities ({type(exc).__name__}); "
            "remove the <!DOCTYPE> and entity references"
        ) from exc
    except ParseError as exc:
        line, column = exc.position
        raise UsageError(f"{path.name}:{line}: not well-formed XML (column {column})") from exc
    code = locale or locale_from_name(path) or _language_attribute(root)
    if code is None:
        raise UsageError(
            f"{path.name}: cannot tell the language from the file name or a <language name=...>; "
            "pass --locale CODE (or name it phrase_<lang>.xml)"
        )
    inventory = Inventory(path, "freeswitch")
    _walk(root, None, code, inventory)
    return inventory


def _language_attribute(root: Element) -> str | None:
    for element in root.iter("language"):
        name = element.get("name")
        if name:
            return name
    return None


def _walk(element: Element, category: str | None, code: str, inventory: Inventory) -> None:
    for child in element:
        if child.tag == "prompt":
            _prompt(child, category, code, inventory)
        elif child.tag == "category":
            _walk(child, child.get("name") or category, code, inventory)
        elif child.tag in _WRAPPERS:
            _walk(child, category, code, inventory)
        else:
            _walk(child, child.tag, code, inventory)


def _prompt(element: Element, category: str | None, code: str, inventory: Inventory) -> None:
    # ElementTree keeps no line numbers; the prompt's file name locates it instead.
    filename = (element.get("filename") or "").strip()
    phrase = clean_text(element.get("phrase") or "")
    if not filename:
        inventory.problem(0, f"<prompt phrase={phrase[:40]!r}> has no filename")
        return
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    folder = "" if category in (None, "root") else f"{category}/"
    pid = f"{folder}{stem}"
    if (why := check_prompt_id(pid)) is not None:
        inventory.problem(0, f"prompt {filename!r} in category {category!r}: id {pid!r} {why}")
        return
    if not phrase:
        inventory.problem(0, f"{pid}: empty phrase; give it the words it speaks")
        return
    inventory.entries.append(Entry(id=pid, locale=code, text=phrase, line=0))
