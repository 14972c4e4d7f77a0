"""The `wav` target: `wav/<locale>/<name>.wav` in the first G.711 law, named by
publish.wav_name, with an index.tsv per locale; publish.profiles apply to it, and it is the set
[publish] upload sends (Amazon Connect)."""

from __future__ import annotations

from typing import cast

from ...config import Config, LocaleConfig
from ...kinds import FileFormat, ProfileName
from ...text.render import wav_name
from .base import Records, TargetDefaults, by_locale


def _index(locale: LocaleConfig) -> str:
    return f"wav/{locale.code}/index.tsv"


class Wav(TargetDefaults):
    name = "wav"
    takes_profiles = True
    index_pattern = r"wav/[^/]+/index\.tsv"

    def files(
        self, config: Config, prompt_id: str, locale: LocaleConfig
    ) -> list[tuple[str, FileFormat]]:
        law: FileFormat = "ulaw-wav" if config.audio.codecs[0] == "ulaw" else "alaw-wav"
        return [(f"wav/{locale.code}/{wav_name(config, prompt_id)}.wav", law)]

    def indexes(self, config: Config, records: Records) -> dict[str, str]:
        out: dict[str, str] = {}
        for code, of_locale in by_locale(records).items():
            rows = ["file\tid\ttext"]
            rows += [f"{wav_name(config, r['id'])}.wav\t{r['id']}\t{r['text']}" for r in of_locale]
            out[_index(config.locales[code])] = "\n".join(rows) + "\n"
        return out

    def index_paths(self, config: Config, locale: LocaleConfig) -> set[str]:
        return {_index(locale)}

    def profiles(self, config: Config) -> tuple[ProfileName, ...]:
        names = list(cast("tuple[ProfileName, ...]", config.publish.profiles))
        if config.publish.upload and "amazon-connect" not in names:
            names.append("amazon-connect")  # checked before anything is uploaded
        return tuple(names)


TARGET = Wav()
