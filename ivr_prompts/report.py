"""The formats a person or a CI system reads findings (Problems) in: text, JSON, GitHub, JUnit."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any
from xml.etree import ElementTree as ET

from .errors import Problem
from .kinds import Format


def render(
    issues: Sequence[Problem], fmt: Format, *, suite: str, subjects: Sequence[str] = ()
) -> str:
    """The findings in `fmt`; `subjects` lists every case checked (for JUnit's passing cases)."""
    if fmt == "json":
        text = json.dumps([_json(i) for i in issues], indent=2, ensure_ascii=False)
        # A file name that is not UTF-8 holds lone surrogates: escape them, or the JSON written
        # out would not be UTF-8 (a reader gets "\udce9" back, as Python's own ascii mode does).
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    if fmt == "github":
        return "\n".join(_github(i) for i in issues)
    if fmt == "junit":
        return _junit(issues, suite, subjects)
    return "\n".join(i.finding() for i in issues)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _json(problem: Problem) -> dict[str, Any]:
    fields = asdict(problem)
    del fields["named"]  # how the text writers word it, not part of the finding
    return {**fields, "subject": problem.subject}


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _github(issue: Problem) -> str:
    """A GitHub Actions workflow command: an annotation on the file and line."""
    props = [f"file={_escape_property(issue.file)}"]
    if issue.line:
        props.append(f"line={issue.line}")
    props.append(f"title={_escape_property(issue.code)}")
    subject = f"{issue.subject}: " if issue.subject and not issue.named else ""
    return f"::{issue.severity} {','.join(props)}::{_escape_data(subject + issue.text())}"


def _junit(issues: Sequence[Problem], suite: str, subjects: Sequence[str]) -> str:
    by_subject: dict[str, list[Problem]] = {}
    for issue in issues:
        by_subject.setdefault(issue.subject, []).append(issue)
    cases = list(dict.fromkeys([*subjects, *by_subject]))
    failures = sum(1 for c in cases if any(i.severity == "error" for i in by_subject.get(c, [])))
    root = ET.Element(
        "testsuite", name=suite, tests=str(len(cases)), failures=str(failures), errors="0"
    )
    for case in cases:
        found = by_subject.get(case, [])
        locale = case.partition(" [")[2]
        element = ET.SubElement(
            root, "testcase", name=case, classname=f"{suite}.{locale.rstrip(']') or 'files'}"
        )
        errors = [i for i in found if i.severity == "error"]
        if errors:
            failure = ET.SubElement(
                element, "failure", message=errors[0].text(), type=errors[0].code
            )
            failure.text = "\n".join(i.finding() for i in errors)
        warnings = [i for i in found if i.severity == "warning"]
        if warnings:
            ET.SubElement(element, "system-out").text = "\n".join(i.finding() for i in warnings)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + _NOT_XML.sub(_visible, text)


# Characters XML 1.0 cannot carry at all (ElementTree writes them raw): control characters, lone
# surrogates (a file name that is not UTF-8) and the two non-characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _visible(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape", "backslashreplace").decode("ascii")
