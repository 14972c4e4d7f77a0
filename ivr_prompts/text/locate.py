"""The template line a markup error comes from (looked for only when there is one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

from .markup import MarkupError


def line(
    template: jinja2.Template, context: Mapping[str, Any], text: str, error: MarkupError
) -> int:
    """The line of the tag in the template's own text when it is written there, else the line
    of the expression whose output holds it; 0 when neither is known."""
    source = _source(template)
    if source is not None and error.tag:
        at = source.find(error.tag)
        if at >= 0 and source.find(error.tag, at + 1) < 0:
            return source.count("\n", 0, at) + 1
    return _output_line(template, context, error.offset)


def _source(template: jinja2.Template) -> str | None:
    if template.filename is None:
        return None
    try:
        with open(template.filename, encoding="utf-8") as file:
            return file.read()
    except OSError:
        return None


def _output_line(template: jinja2.Template, context: Mapping[str, Any], offset: int) -> int:
    """Render again, chunk by chunk: the line the template is at when it writes `offset`."""
    chunks = template.root_render_func(template.new_context(dict(context)))
    written = 0
    try:
        for chunk in chunks:
            written += len(chunk)
            frame = chunks.gi_frame  # type: ignore[attr-defined]
            if written > offset and frame is not None:
                return template.get_corresponding_lineno(frame.f_lineno)
    except Exception:  # the first render succeeded; a second that fails says nothing more
        return 0
    return 0
