"""The `asterisk` target: `asterisk/<lang>/<id>.<codec>` (raw G.711), optional 16-bit WAV and
HD files, and a core-sounds transcript per language folder."""

from __future__ import annotations

from ...config import Config, LocaleConfig
from ...export import hd
from ...export.asterisk import plain_locales
from ...kinds import FileFormat, ProfileName
from .base import Records, TargetDefaults, by_locale


def asterisk_language(config: Config, locale: LocaleConfig) -> str:
    """Asterisk's language folder: 'en' when one locale speaks English, else 'en_US', 'en_GB'."""
    same = [c for c in config.locales.values() if c.language == locale.language]
    return locale.language if len(same) == 1 else locale.code.replace("-", "_")


def asterisk_folders(config: Config, locale: LocaleConfig) -> list[str]:
    """The locale's Asterisk folder, plus the plain language folder when it stands for it."""
    own = asterisk_language(config, locale)
    plain = plain_locales(config.locales, config.publish.asterisk_plain)
    return [own, locale.language] if plain.get(locale.language) == locale.code else [own]


def _core_sounds(lang: str) -> str:
    return f"asterisk/{lang}/core-sounds-{lang}.txt"


class Asterisk(TargetDefaults):
    name = "asterisk"
    index_pattern = r"asterisk/[^/]+/core-sounds-[^/]+\.txt"

    def files(
        self, config: Config, prompt_id: str, locale: LocaleConfig
    ) -> list[tuple[str, FileFormat]]:
        files: list[tuple[str, FileFormat]] = []
        for lang in asterisk_folders(config, locale):
            base = f"asterisk/{lang}/{prompt_id}"
            files.extend((f"{base}.{codec}", codec) for codec in config.audio.codecs)
            if config.publish.asterisk_wav:
                files.append((f"{base}.wav", "pcm16-wav"))
            if config.publish.hd:
                files.extend(hd.asterisk_hd_files(base))
        return files

    def indexes(self, config: Config, records: Records) -> dict[str, str]:
        out: dict[str, str] = {}
        for code, of_locale in by_locale(records).items():
            lines = [f"; {config.project.name}: transcripts of the {code} prompts (ivr-prompts)"]
            lines += [f"{r['id']}: {r['text']}" for r in of_locale]
            for lang in asterisk_folders(config, config.locales[code]):
                out[_core_sounds(lang)] = "\n".join(lines) + "\n"
        return out

    def index_paths(self, config: Config, locale: LocaleConfig) -> set[str]:
        return {_core_sounds(lang) for lang in asterisk_folders(config, locale)}

    def profiles(self, config: Config) -> tuple[ProfileName, ...]:
        return ("asterisk",)


TARGET = Asterisk()
