"""Findings of check, validate and plan, and the formats a person or a CI system reads them in."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from xml.etree import ElementTree as ET

from .kinds import Format, Severity


@dataclass(frozen=True)
class Issue:
    """One finding: where (file and line), about what (a prompt x locale or a file), and why."""

    file: str
    line: int
    severity: Severity
    code: str
    subject: str  # "main/welcome [en-US]", or a file path for validate
    message: str

    def text(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        subject = f"{self.subject}: " if self.subject and self.subject != self.file else ""
        return f"{where}: {self.severity}: {subject}{self.code}: {self.message}"


def render(
    issues: Sequence[Issue], fmt: Format, *, suite: str, subjects: Sequence[str] = ()
) -> str:
    """The findings in `fmt`; `subjects` lists every case checked (for JUnit's passing cases)."""
    if fmt == "json":
        return json.dumps([asdict(i) for i in issues], indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join(_github(i) for i in issues)
    if fmt == "junit":
        return _junit(issues, suite, subjects)
    return "\n".join(i.text() for i in issues)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _github(issue: Issue) -> str:
    """A GitHub Actions workflow command: an annotation on the file and line."""
    props = [f"file={_escape_property(issue.file)}"]
    if issue.line:
        props.append(f"line={issue.line}")
    props.append(f"title={_escape_property(issue.code)}")
    subject = f"{issue.subject}: " if issue.subject else ""
    return f"::{issue.severity} {','.join(props)}::{_escape_data(subject + issue.message)}"


def _junit(issues: Sequence[Issue], suite: str, subjects: Sequence[str]) -> str:
    by_subject: dict[str, list[Issue]] = {}
    for issue in issues:
        by_subject.setdefault(issue.subject or issue.file, []).append(issue)
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
                element, "failure", message=errors[0].message, type=errors[0].code
            )
            failure.text = "\n".join(i.text() for i in errors)
        warnings = [i for i in found if i.severity == "warning"]
        if warnings:
            ET.SubElement(element, "system-out").text = "\n".join(i.text() for i in warnings)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
