"""The speech guard on every language we speak: a corpus of short real utterances, made here.

Every voice of the bundled espeak-ng speaks the digits 0-20 (espeak-ng verbalizes them in its own
language) at 0.75-1.5x, and yes, no and one-syllable words where we know them; Piper's bundled
voice speaks digits and words at 0.5-2.0x; the Waves test server answers its speech. Not one of
them may be refused as "not speech" (tests/test_speech.py holds the signals that must be).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pytest

from ivr_prompts.audio.dsp import FloatAudio
from ivr_prompts.audio.speech import classify
from ivr_prompts.engines import local
from ivr_prompts.engines.base import SynthesisRequest
from ivr_prompts.engines.espeak import speak
from ivr_prompts.engines.piper import PiperEngine

from .conftest import BASE_TOML, Project, run_cli
from .waves_server import ESPEAK_VOICES, WavesServer

ESPEAK_SPEEDS = (0.75, 1.0, 1.25, 1.5)
PIPER_SPEEDS = (0.5, 0.75, 1.0, 1.5, 2.0)
DIGITS = tuple(str(n) for n in range(21))
# Yes, no, and one-syllable words, by the language subtag of an espeak-ng voice's first code.
WORDS: dict[str, tuple[str, ...]] = {
    "fr": ("oui", "non", "un", "hein", "deux", "trois", "six", "sept", "huit", "neuf", "dix"),
    "en": ("yes", "no", "one", "two", "six", "eight", "nine"),
    "de": ("ja", "nein", "eins", "zwei", "drei", "acht"),
    "es": ("sí", "no", "uno", "dos", "tres", "seis"),
    "it": ("sì", "no", "uno", "tre", "sei"),
    "pt": ("sim", "não", "um", "dois", "três"),
    "nl": ("ja", "nee", "een", "twee"),
    "sv": ("ja", "nej", "en", "två"),
    "da": ("ja", "nej", "en", "to"),
    "pl": ("tak", "nie", "raz", "dwa"),
    "ru": ("да", "нет", "два", "три"),
    "uk": ("так", "ні", "два"),
    "cs": ("ano", "ne", "dva", "tři"),
    "tr": ("evet", "hayır", "bir", "iki"),  # noqa: RUF001 (Turkish letters)
    "fi": ("kyllä", "ei", "yksi"),
    "hu": ("igen", "nem", "egy"),
    "el": ("ναι", "όχι", "ένα"),  # noqa: RUF001 (Greek letters)
    "hi": ("हाँ", "नहीं", "एक", "दो"),
    "ja": ("はい", "いいえ"),
    "cmn": ("是", "不", "一", "二"),
    "ko": ("네", "아니요"),
    "ar": ("نعم", "لا"),
    "he": ("כן", "לא"),
    "vi": ("có", "không", "một", "hai"),
    "id": ("ya", "tidak", "satu", "dua"),
}
# Piper speaks about 1x real time on a busy core: a few words at each speed.
PIPER_WORDS = ("0", "1", "2", "7", "11", "yes", "no", "six")


@dataclass(frozen=True)
class Utterance:
    source: str  # "espeak gmw/en", "piper en_US-joe-medium", "waves-server es"
    language: str
    text: str
    speed: float
    samples: FloatAudio
    rate: int

    @property
    def said_nothing(self) -> bool:
        """The engine answered (almost) no sound: it has no words for this text (espeak-ng
        speaks no digits in Faroese, Cherokee, Chuvash, Karakalpak, Sindarin, Quenya...)."""
        loud = np.flatnonzero(np.abs(self.samples) > 0.01)
        return loud.size == 0 or (loud[-1] - loud[0]) < 0.05 * self.rate


def _espeak_corpus() -> list[Utterance]:
    made: list[Utterance] = []
    for voice in local.espeak_voice_table():
        language = voice.codes[0].split("-")[0]
        texts = [(t, ESPEAK_SPEEDS[i % len(ESPEAK_SPEEDS)]) for i, t in enumerate(DIGITS)]
        texts += [(w, s) for w in WORDS.get(language, ()) for s in ESPEAK_SPEEDS]
        for text, speed in texts:
            out = speak(text, voice.identifier, speed)
            made.append(
                Utterance(
                    f"espeak {voice.identifier}",
                    language,
                    text,
                    speed,
                    out.samples,
                    out.sample_rate,
                )
            )
    return made


def _report(name: str, corpus: list[Utterance], refused: list[str]) -> str:
    spoken = [u for u in corpus if not u.said_nothing]
    languages = {u.language for u in spoken}
    summary = {
        "corpus": name,
        "utterances": len(spoken),
        "languages": len(languages),
        "voices": len({u.source for u in spoken}),
        "speeds": sorted({u.speed for u in spoken}),
        "engine said nothing (left out)": len(corpus) - len(spoken),
        "refused as not speech": len(refused),
    }
    return json.dumps(summary, ensure_ascii=False)


def _refusals(corpus: list[Utterance]) -> list[str]:
    refused = []
    for u in corpus:
        if u.said_nothing:
            continue
        verdict = classify(u.samples, u.rate)
        if not verdict.is_speech:
            refused.append(f"{u.source} {u.text!r} x{u.speed}: {verdict.detail}")
    return refused


def test_classify_espeak_corpus_every_voice_and_language_is_speech(
    capsys: pytest.CaptureFixture[str],
) -> None:
    corpus = _espeak_corpus()
    refused = _refusals(corpus)
    line = _report("espeak-ng", corpus, refused)
    with capsys.disabled():
        print(f"\nspeech guard: {line}")
    assert refused == []
    spoken = [u for u in corpus if not u.said_nothing]
    assert len(spoken) >= 2000
    assert len({u.language for u in spoken}) >= 30
    # The voices that say nothing for digits are few: the rest of the corpus is real.
    silent = Counter(u.source for u in corpus if u.said_nothing)
    assert len(silent) <= 10, silent


def test_classify_piper_corpus_every_speed_is_speech(capsys: pytest.CaptureFixture[str]) -> None:
    engine = PiperEngine()
    voice = local.installed_voices()[0].name

    async def run() -> list[Utterance]:
        made = []
        for speed in PIPER_SPEEDS:
            for text in PIPER_WORDS:
                request = SynthesisRequest(
                    prompt_id="t", locale="en-US", text=text, language="en", voice=voice,
                    speed=speed, model="", cache_key="k",
                )  # fmt: skip
                out = await engine.synthesize(request)
                made.append(
                    Utterance(f"piper {voice}", "en", text, speed, out.samples, out.sample_rate)
                )
        return made

    corpus = asyncio.run(run())
    refused = _refusals(corpus)
    with capsys.disabled():
        print(f"\nspeech guard: {_report('piper', corpus, refused)}")
    assert refused == []
    assert not any(u.said_nothing for u in corpus)


def test_classify_waves_server_speech_is_speech(capsys: pytest.CaptureFixture[str]) -> None:
    server = WavesServer()  # its audio, without serving: what a build would receive
    corpus = [
        Utterance(
            f"waves-server {language}", language, text, speed, *_pcm(server, text, language, speed)
        )
        for language in sorted(ESPEAK_VOICES)
        for text in DIGITS[:11]
        for speed in (1.0,)
    ]
    babble = WavesServer(audio="babble")
    corpus += [
        Utterance("waves-server babble", "en", "x" * n, 1.0, *_pcm(babble, "x" * n, "en", 1.0))
        for n in (1, 5, 20, 80)
    ]
    refused = _refusals(corpus)
    with capsys.disabled():
        print(f"\nspeech guard: {_report('waves test server', corpus, refused)}")
    assert refused == []
    assert not any(u.said_nothing for u in corpus)


def _pcm(server: WavesServer, text: str, language: str, speed: float) -> tuple[FloatAudio, int]:
    samples = server.speech(text, language, 8000, speed)
    return np.asarray(samples / 32768.0, dtype=np.float32), 8000


FRENCH = BASE_TOML.replace(
    '[locales.es-US]\nlanguage = "es"\nvars = { company = "Banco Acme", hours = "de nueve a',
    '[locales.fr-FR]\nlanguage = "fr"\nvars = { company = "Banque Acme", hours = "de neuf à',
).replace("de neuf à cinco", "de neuf à cinq")


def test_build_french_digit_one_is_published(make_project: Project) -> None:
    # espeak-ng's French "un" (0.19 s, one steady nasal vowel) was refused as noise: a set with
    # the digit 1 in French published nothing.
    path = make_project(FRENCH, {"templates/fr-FR/welcome.j2": "Bienvenue chez {{ company }}.\n"})
    result = run_cli("build", "--json", "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["published"] is True
    manifest = json.loads((path.parent / "dist" / "manifest.json").read_text())
    said = {(r["id"], r["locale"]): r["text"] for r in manifest["prompts"]}
    assert said[("digits/1", "fr-FR")] == "1"
