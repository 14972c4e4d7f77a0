"""The one declared mapping from prompt id to the name a flat prompt library accepts.

Genesys Cloud, Cisco CVP and Avaya want names of letters, digits and '_' (Genesys: starting with
a letter, at most 200 characters): '/', '-' and '.' become '_', and an id that does not start with
a letter gets the prefix 'prompt_'. `main/welcome` -> `main_welcome`, `digits/1` -> `digits_1`,
`1` -> `prompt_1`; an id that is already a valid name keeps it (`Main_Welcome`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_NAME = 200
_NOT_NAME = re.compile(r"[^A-Za-z0-9_]")


def flat_name(prompt_id: str) -> str:
    """The platform name of a prompt id (see the module docstring for the rule)."""
    name = _NOT_NAME.sub("_", prompt_id)
    return name if name[:1].isalpha() and name[:1].isascii() else f"prompt_{name}"


def platform_language(locale_code: str) -> str:
    """Genesys's language code of a locale: 'en-US' -> 'en-us'."""
    return locale_code.lower()


def name_problems(ids: Iterable[str], file: str) -> list[str]:
    """Ids whose names collide (ignoring case, as the platform does) or are too long."""
    owners: dict[str, str] = {}
    problems: list[str] = []
    for pid in sorted(set(ids)):
        name = flat_name(pid)
        if len(name) > MAX_NAME:
            problems.append(
                f"{file}: prompt {pid!r}: its Genesys name is {len(name)} characters "
                f"(at most {MAX_NAME}); shorten the id"
            )
        other = owners.setdefault(name.lower(), pid)
        if other != pid:
            problems.append(
                f"{file}: prompts {other!r} and {pid!r} both become the Genesys name {name!r}; "
                "rename one of them"
            )
    return problems
