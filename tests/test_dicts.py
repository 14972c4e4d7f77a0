"""Pronunciation dictionary sync, prune and the voice catalog, against the real stand-in server."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from ivr_prompts.config import WavesSettings, parse
from ivr_prompts.engines.base import SynthesisRequest
from ivr_prompts.engines.waves import dicts
from ivr_prompts.engines.waves import voices as voice_catalog
from ivr_prompts.engines.waves.client import WavesClient
from ivr_prompts.engines.waves.engine import WavesEngine
from ivr_prompts.engines.waves.lock import load_lock, read_lock
from ivr_prompts.errors import ConfigError, EngineError
from ivr_prompts.text.lexicon import Lexicon
from tests.waves_server import WavesServer

T = TypeVar("T")
SETTINGS = WavesSettings(base_url="https://api.smallest.ai.invalid")
DICT_ROUTE = "/waves/v1/pronunciation-dicts"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def _no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
def server() -> Iterator[WavesServer]:
    with WavesServer(audio="babble", concurrency=4) as s:
        yield s


def client_for(server: WavesServer, concurrency: int = 1) -> WavesClient:
    settings = WavesSettings(base_url=SETTINGS.base_url, concurrency=concurrency)
    return WavesClient(
        settings, server.api_key, sleep=_no_wait, environ={"SMALLEST_BASE_URL": server.url}
    )


def lexicon(locale: str, **entries: str) -> Lexicon:
    return Lexicon(locale, None, tuple(sorted(entries.items())))


LEXICONS = {
    "en-US": lexicon("en-US", SQL="sequel", Acme="ack-mee"),
    "es-US": lexicon("es-US", Acme="ak-me"),
    "fr-FR": lexicon("fr-FR"),  # empty: no remote dictionary
}


async def sync(server: WavesServer, lexicons: dict[str, Lexicon], lock: Path) -> dict[str, str]:
    client = client_for(server)
    try:
        return await dicts.sync_dictionaries(client, lexicons, lock)
    finally:
        await client.aclose()


def dict_calls(server: WavesServer) -> list[str]:
    return [r.method for r in server.records if r.path == DICT_ROUTE]


# -- sync -----------------------------------------------------------------------------------------


def test_sync_dictionaries_first_run_creates_each_once_and_writes_lock(
    server: WavesServer, tmp_path: Path
) -> None:
    lock = tmp_path / "prompts.lock.json"
    ids = run(sync(server, LEXICONS, lock))
    assert sorted(ids) == ["en-US", "es-US"]
    assert dict_calls(server) == ["POST", "POST"]
    assert server.dictionaries[ids["en-US"]] == [
        {"word": "Acme", "pronunciation": "ack-mee"},
        {"word": "SQL", "pronunciation": "sequel"},
    ]
    text = lock.read_text()
    assert text.endswith("}\n")
    assert json.loads(text) == {
        "version": 2,
        "dictionaries": {
            "en-US": {"digest": LEXICONS["en-US"].digest, "id": ids["en-US"]},
            "es-US": {"digest": LEXICONS["es-US"].digest, "id": ids["es-US"]},
        },
        "created": sorted(ids.values()),
    }
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
    assert server.api_key not in text
    assert [p.name for p in tmp_path.iterdir()] == ["prompts.lock.json"]  # no temp files left


def test_sync_dictionaries_unchanged_content_makes_no_call(
    server: WavesServer, tmp_path: Path
) -> None:
    lock = tmp_path / "prompts.lock.json"
    first = run(sync(server, LEXICONS, lock))
    before = lock.read_bytes()
    second = run(sync(server, LEXICONS, lock))
    assert second == first
    assert dict_calls(server) == ["POST", "POST"]
    assert lock.read_bytes() == before


def test_sync_dictionaries_changed_content_puts_the_full_list(
    server: WavesServer, tmp_path: Path
) -> None:
    lock = tmp_path / "prompts.lock.json"
    first = run(sync(server, LEXICONS, lock))
    changed = {
        **LEXICONS,
        "en-US": lexicon("en-US", SQL="sequel", Acme="ack-mee", IVR="eye-vee-ar"),
    }
    second = run(sync(server, changed, lock))
    assert second == first  # updated in place
    assert dict_calls(server) == ["POST", "POST", "PUT"]
    put = server.records[-1].body
    assert put["id"] == first["en-US"]
    assert len(put["items"]) == 3
    assert read_lock(lock)["en-US"]["digest"] == changed["en-US"].digest


def test_sync_dictionaries_id_unknown_to_server_is_created_anew(
    server: WavesServer, tmp_path: Path
) -> None:
    lock = tmp_path / "prompts.lock.json"
    first = run(sync(server, LEXICONS, lock))
    server.forget_dictionary(first["en-US"])
    changed = {**LEXICONS, "en-US": lexicon("en-US", SQL="ess-cue-ell")}
    second = run(sync(server, changed, lock))
    assert second["en-US"] != first["en-US"]
    assert second["es-US"] == first["es-US"]
    assert dict_calls(server) == ["POST", "POST", "PUT", "POST"]
    assert read_lock(lock)["en-US"]["id"] == second["en-US"]


def test_sync_dictionaries_emptied_lexicon_leaves_the_lock(
    server: WavesServer, tmp_path: Path
) -> None:
    lock = tmp_path / "prompts.lock.json"
    run(sync(server, LEXICONS, lock))
    ids = run(sync(server, {**LEXICONS, "es-US": lexicon("es-US")}, lock))
    assert list(ids) == ["en-US"]
    assert list(read_lock(lock)) == ["en-US"]


def test_read_lock_broken_file_says_how_to_fix(tmp_path: Path) -> None:
    lock = tmp_path / "prompts.lock.json"
    lock.write_text("{nope")
    with pytest.raises(ConfigError, match=r"delete it and run `ivr-prompts dicts sync`$"):
        read_lock(lock)
    lock.write_text('{"version": 3}')
    with pytest.raises(ConfigError) as info:
        read_lock(lock)
    assert info.value.problems == ['prompts.lock.json: expected {"version": 2, ...}']
    lock.write_text('{"version": 2, "dictionaries": {}, "created": "abc"}')
    with pytest.raises(ConfigError, match="created: expected a list of dictionary ids"):
        read_lock(lock)


def test_load_lock_version_1_counts_its_dictionaries_as_created(tmp_path: Path) -> None:
    lock = tmp_path / "prompts.lock.json"
    lock.write_text(
        '{"version": 1, "dictionaries": {"en-US": {"digest": "d", "id": "' + "a" * 24 + '"}}}'
    )
    loaded = load_lock(lock)
    assert loaded is not None
    assert loaded.entries == {"en-US": {"digest": "d", "id": "a" * 24}}
    assert loaded.created == {"a" * 24}
    assert load_lock(tmp_path / "absent.json") is None


# -- TTS with dictionaries ------------------------------------------------------------------------


def request(locale: str, i: int, ids: dict[str, str]) -> SynthesisRequest:
    return SynthesisRequest(
        prompt_id=f"p/{i}",
        locale=locale,
        text=f"Welcome to Acme, SQL line {i}.",
        language=locale.split("-", maxsplit=1)[0],
        voice="magnus",
        speed=1.0,
        model="lightning_v3.1",
        cache_key=f"{locale}-{i}",
        pronunciation_dicts=(ids[locale],) if locale in ids else (),
    )


def test_engine_unknown_dictionary_is_recreated_once_and_every_request_uses_it(
    server: WavesServer, tmp_path: Path
) -> None:
    lock = tmp_path / "prompts.lock.json"

    async def build() -> dict[str, str]:
        engine = WavesEngine(client_for(server, concurrency=4))
        try:
            ids = await dicts.attach_dictionaries(engine, LEXICONS, lock)
            server.forget_dictionary(ids["en-US"])  # the account lost it since the last build
            reqs = [request(loc, i, ids) for loc in ("en-US", "es-US", "hi-IN") for i in range(6)]
            await asyncio.gather(*(engine.synthesize(r) for r in reqs))
            return ids
        finally:
            await engine.aclose()

    old = run(build())
    new = read_lock(lock)["en-US"]["id"]
    assert new != old["en-US"]
    assert dict_calls(server) == ["POST", "POST", "POST"]  # two syncs, one re-creation
    done = [r for r in server.tts_records() if r.status == 200]
    assert len(done) == 18
    for record in done:
        locale = record.body["request_id"].rsplit("-", 1)[0]  # cache key is locale-i
        expected = {"en-US": [new], "es-US": [old["es-US"]]}.get(locale)
        assert record.body.get("pronunciation_dicts") == expected
    refused = [r for r in server.tts_records() if r.status == 400]
    assert refused
    assert all(r.body["pronunciation_dicts"] == [old["en-US"]] for r in refused)


def test_engine_dictionary_applies_on_the_server(server: WavesServer, tmp_path: Path) -> None:
    async def go() -> None:
        engine = WavesEngine(client_for(server))
        try:
            ids = await dicts.attach_dictionaries(engine, LEXICONS, tmp_path / "l.json")
            await engine.synthesize(request("en-US", 0, ids))
        finally:
            await engine.aclose()

    run(go())
    assert server.tts_records()[0].body["text"] == "Welcome to Acme, SQL line 0."


def test_engine_unknown_dictionary_without_sync_says_run_dicts_sync(server: WavesServer) -> None:
    async def go() -> None:
        engine = WavesEngine(client_for(server))
        try:
            await engine.synthesize(request("en-US", 0, {"en-US": "0" * 24}))
        finally:
            await engine.aclose()

    with pytest.raises(EngineError) as info:
        run(go())
    rid = server.tts_records()[0].request_id
    assert str(info.value) == (
        "Waves does not know pronunciation dictionary 000000000000000000000000 "
        f"(Waves rejected the request (400): Invalid input data (request id {rid})); "
        "run `ivr-prompts dicts sync`"
    )


# -- list and prune -------------------------------------------------------------------------------


def test_prune_deletes_only_unreferenced_dictionaries_the_project_created(
    server: WavesServer, tmp_path: Path
) -> None:
    lock = tmp_path / "prompts.lock.json"
    ids = run(sync(server, LEXICONS, lock))
    # es-US is emptied: its dictionary is no longer referenced, but the project created it.
    run(sync(server, {**LEXICONS, "es-US": lexicon("es-US")}, lock))

    async def go() -> tuple[str, list[str], list[str], list[str]]:
        client = client_for(server)
        try:
            stray = (await client.create_dict([{"word": "x", "pronunciation": "ex"}]))["id"]
            would = await dicts.prune(client, lock, dry_run=True)
            gone = await dicts.prune(client, lock, dry_run=False)
            left = [d["id"] for d in await dicts.list_remote(client)]
            return stray, would, gone, left
        finally:
            await client.aclose()

    stray, would, gone, left = run(go())
    assert would == [ids["es-US"]]
    assert gone == [ids["es-US"]]
    assert sorted(left) == sorted([ids["en-US"], stray])
    assert dict_calls(server).count("DELETE") == 1


def test_delete_unknown_dictionary_is_a_400_with_vendor_message(server: WavesServer) -> None:
    async def go() -> None:
        client = client_for(server)
        try:
            await client.delete_dict("f" * 24)
        finally:
            await client.aclose()

    with pytest.raises(
        EngineError, match=r"^Waves rejected the request \(400\): Invalid input data"
    ):
        run(go())


# -- voices ---------------------------------------------------------------------------------------


def voices(server: WavesServer, **filters: str) -> list[voice_catalog.Voice]:
    async def go() -> list[voice_catalog.Voice]:
        client = client_for(server)
        try:
            return await voice_catalog.list_voices(client, **filters)
        finally:
            await client.aclose()

    return run(go())


def test_list_voices_parses_catalog_with_empty_tags(server: WavesServer) -> None:
    catalog = voices(server)
    assert [v.voice_id for v in catalog] == [
        "arjun",
        "kavya",
        "lucia",
        "magnus",
        "mystery",
        "olivia",
    ]
    assert catalog[-2] == voice_catalog.Voice("mystery", "Mystery", (), None, None)
    assert catalog[0] == voice_catalog.Voice(
        "arjun", "Arjun", ("english", "hindi"), "indian", "male"
    )


def test_list_voices_filters_by_language_code_gender_and_accent(server: WavesServer) -> None:
    assert [v.voice_id for v in voices(server, language="hi")] == ["arjun"]
    assert [v.voice_id for v in voices(server, language="English", gender="female")] == [
        "kavya",
        "olivia",
    ]
    assert [v.voice_id for v in voices(server, language="en-US", accent="Indian")] == [
        "arjun",
        "kavya",
    ]
    assert voices(server, language="ta", gender="male") == []


def test_voice_language_warnings_flags_mismatched_and_unknown_voices(
    server: WavesServer, tmp_path: Path
) -> None:
    data = {
        "synth": {"engine": "waves"},
        "locales": {
            "en-US": {"language": "en", "voice": "magnus"},
            "es-US": {"language": "es", "voice": "magnus"},
            "hi-IN": {"language": "hi", "voice": "arjun"},
            "ta-IN": {"language": "ta", "voice": "nobody"},
            "de-DE": {"language": "de", "voice": "mystery"},
            "en-GB": {"language": "en", "voice": "voice_abc123"},
            "fr-FR": {"language": "fr", "voice": "magnus", "engine": "local"},
        },
        "prompts": [{"id": "main/welcome", "text": "Hello"}],
    }
    config = parse(data, tmp_path / "prompts.toml")
    assert voice_catalog.voice_language_warnings(config, voices(server)) == [
        "locales.es-US.voice: 'magnus' does not list spanish (it lists english); "
        "see `ivr-prompts voices --language es`",
        "locales.ta-IN.voice: 'nobody' is not in the Waves voice catalog; see `ivr-prompts voices`",
    ]


def test_dicts_calls_never_log_the_key(
    server: WavesServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    lock = tmp_path / "prompts.lock.json"
    run(sync(server, LEXICONS, lock))
    voices(server, language="en")
    assert caplog.records
    assert server.api_key not in caplog.text
    assert server.api_key not in lock.read_text()
