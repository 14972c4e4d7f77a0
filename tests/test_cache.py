from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ivr_prompts import cache
from ivr_prompts.errors import UsageError


def entry() -> cache.AudioEntry:
    samples = (np.sin(np.arange(800) / 5.0) * 8000).astype(np.int16)
    return cache.AudioEntry(samples, 8000, {"request_id": "abc"})


def test_make_key_order_independent_and_sensitive_to_every_field() -> None:
    a = cache.make_key({"voice": "magnus", "text": "hi", "speed": 1.0})
    assert a == cache.make_key({"speed": 1.0, "text": "hi", "voice": "magnus"})
    assert a != cache.make_key({"voice": "magnus", "text": "hi", "speed": 1.1})
    assert a != cache.make_key({"voice": "olivia", "text": "hi", "speed": 1.0})


def test_put_get_roundtrip_sharded(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path)
    key = cache.make_key({"x": 1})
    store.put("synth", key, entry())
    assert (tmp_path / "synth" / key[:2] / key[2:]).is_file()
    got = store.get("synth", key)
    assert got is not None
    assert np.array_equal(got.samples, entry().samples)
    assert (got.sample_rate, got.meta) == (8000, {"request_id": "abc"})
    assert list(tmp_path.rglob("*.tmp")) == []


def test_get_corrupt_entry_discarded_not_returned(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path)
    key = cache.make_key({"x": 2})
    store.put("audio", key, entry())
    path = store.path("audio", key)
    blob = bytearray(path.read_bytes())
    blob[-10] ^= 0xFF
    path.write_bytes(bytes(blob))
    assert store.get("audio", key) is None
    assert not path.exists()


def test_get_truncated_entry_discarded(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path)
    key = cache.make_key({"x": 3})
    store.put("audio", key, entry())
    path = store.path("audio", key)
    path.write_bytes(path.read_bytes()[:100])
    assert store.get("audio", key) is None


def test_get_missing_is_none(tmp_path: Path) -> None:
    assert cache.Cache(tmp_path).get("synth", "ab" * 32) is None


def test_get_header_tampering_detected(tmp_path: Path) -> None:
    store = cache.Cache(tmp_path)
    key = cache.make_key({"x": 4})
    store.put("synth", key, entry())
    path = store.path("synth", key)
    path.write_bytes(path.read_bytes().replace(b'"sample_rate":8000', b'"sample_rate":9000'))
    assert store.get("synth", key) is None


def test_put_unwritable_root_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = cache.Cache(blocker)
    with pytest.raises(UsageError) as info:
        store.put("synth", "ab" * 32, entry())
    assert info.value.message.startswith(f"cannot write the cache at {blocker}: ")
    assert info.value.message.endswith("point project.cache at a writable folder")
