"""Asterisk's language fallback: which locale also fills the plain `<lang>/` folder.

Asterisk looks a sound up as `en_GB_x -> en_GB -> en -> (no language) -> en`, never from `en`
down to `en_US`. When several locales speak one language they are published as `en_US/`,
`en_GB/`; one of them (publish.asterisk_plain, default the first declared) is published as `en/`
too, so a channel left at the default language `en` (or one at `en_AU`) still finds every prompt.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..config import LocaleConfig


def plain_locales(
    locales: Mapping[str, LocaleConfig], chosen: Mapping[str, str] | None
) -> dict[str, str]:
    """Language -> the locale published under the plain language folder, for every language
    spoken by more than one locale."""
    by_language: dict[str, list[str]] = {}
    for code, locale in locales.items():
        by_language.setdefault(locale.language, []).append(code)
    # A locale coded as the bare language ("en") already owns the plain folder.
    return {
        language: (chosen or {}).get(language, codes[0])
        for language, codes in by_language.items()
        if len(codes) > 1 and language not in codes
    }
