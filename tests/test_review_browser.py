"""The review page of the repository's sample set, built twice on the real local engines (one
locale variable changed in between), opened from file:// in headless Debian chromium."""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser

from ivr_prompts import audio, config
from ivr_prompts.flow import build as builder
from ivr_prompts.review.model import Clip, Row, Version
from ivr_prompts.review.page import render_page
from ivr_prompts.review.write import write_review

from .browser import browser, open_page

__all__ = ["browser"]

ROOT = Path(__file__).resolve().parent.parent
Key = tuple[str, str]


@dataclass(frozen=True)
class Reviewed:
    cfg: config.Config
    page: Path
    before: dict[Key, dict[str, Any]]
    after: dict[Key, dict[str, Any]]


def _records(manifest_path: Path) -> dict[Key, dict[str, Any]]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return {(r["id"], r["locale"]): r for r in manifest["prompts"]}


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Reviewed:
    work = tmp_path_factory.mktemp("sample")
    shutil.copy(ROOT / "prompts.toml", work / "prompts.toml")
    shutil.copytree(ROOT / "templates", work / "templates")
    shutil.copytree(ROOT / "pronunciations", work / "pronunciations")
    asyncio.run(builder.build(config.load(work / "prompts.toml")))
    before = _records(work / "dist" / "manifest.json")
    toml = work / "prompts.toml"
    text = toml.read_text(encoding="utf-8")
    assert 'company = "Banco Acme"' in text
    toml.write_text(text.replace('company = "Banco Acme"', 'company = "Banco Acme Unido"'))
    cfg = config.load(toml)
    asyncio.run(builder.build(cfg))
    result = write_review(cfg)
    assert result.folder is None  # the sample set is small enough to be one file
    return Reviewed(cfg, result.path, before, _records(work / "dist" / "manifest.json"))


def _changed(reviewed: Reviewed) -> set[Key]:
    """What really changed, from the two manifests: text, or the bytes of any published file."""
    return {
        key
        for key, rec in reviewed.after.items()
        if rec["text"] != reviewed.before[key]["text"]
        or [f["sha256"] for f in rec["files"]]
        != [f["sha256"] for f in reviewed.before[key]["files"]]
    }


def _load_every_audio(page: Any) -> list[dict[str, Any]]:
    """Scroll through the page as a reader would (audio loads lazily), then read every player."""
    height = page.evaluate("document.body.scrollHeight")
    for y in range(0, height + 900, 600):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(30)
    page.wait_for_function(
        "[...document.querySelectorAll('audio')].every(a => a.readyState >= 1 || a.error)",
        timeout=30_000,
    )
    return list(
        page.evaluate(
            """[...document.querySelectorAll('audio')].map(a => ({
                id: a.closest('.row').dataset.promptId, locale: a.closest('.row').dataset.locale,
                version: a.dataset.version, duration: a.duration,
                error: a.error && a.error.code}))"""
        )
    )


def test_review_sample_set_marks_exactly_the_changed_prompts(
    reviewed: Reviewed, browser: Browser
) -> None:
    changed = _changed(reviewed)
    assert changed == {("main/welcome", "es-US"), ("main/goodbye", "es-US")}
    opened = open_page(browser, reviewed.page)
    rows = opened.page.evaluate(
        """[...document.querySelectorAll('.row')].map(r => [r.dataset.promptId, r.dataset.locale,
            r.dataset.status, r.querySelectorAll('audio[data-version="before"]').length,
            r.querySelectorAll('audio[data-version="after"]').length])"""
    )
    assert len(rows) == len(reviewed.after) == 38
    assert {(r[0], r[1]) for r in rows} == set(reviewed.after)
    assert {(r[0], r[1]) for r in rows if r[2] == "changed"} == changed
    assert {r[2] for r in rows if (r[0], r[1]) not in changed} == {"unchanged"}
    for _, _, status, before, after in rows:
        assert (before, after) == ((1, 1) if status == "changed" else (0, 1))
    # Changed prompts come first.
    assert [r[2] for r in rows[:2]] == ["changed", "changed"]
    assert opened.errors == []


def _assert_durations(reviewed: Reviewed, players: list[dict[str, Any]]) -> None:
    assert len(players) == 38 + 2
    for p in players:
        records = reviewed.after if p["version"] == "after" else reviewed.before
        expected = records[(p["id"], p["locale"])]["duration_s"]
        assert p["error"] is None, p
        assert abs(p["duration"] - expected) < 0.05, p


def test_review_page_every_audio_loads_with_the_manifest_duration(
    reviewed: Reviewed, browser: Browser, tmp_path: Path
) -> None:
    opened = open_page(browser, reviewed.page)
    _assert_durations(reviewed, _load_every_audio(opened.page))
    opened.page.evaluate("window.scrollTo(0, 0)")
    shot = tmp_path / "review.png"
    opened.page.screenshot(path=str(shot))
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=np.float64)
    assert pixels.shape == (900, 1280)
    assert pixels.std() > 20  # text, badges, waveforms: far from a blank page
    assert opened.errors == []


def test_review_page_audio_in_a_folder_loads_on_demand_from_file_urls(
    reviewed: Reviewed, browser: Browser, tmp_path: Path
) -> None:
    result = write_review(reviewed.cfg, out=tmp_path / "big.html", inline_limit=0)
    assert result.folder == "big_files"
    folder = (tmp_path / "big_files").iterdir()
    clips = sorted(p.name for p in folder if p.name != ".ivr-prompts-review")  # review's mark
    assert len(clips) == 40  # 38 current clips and the 2 replaced ones
    assert result.bytes < 200_000  # the page alone: markup, style and script
    opened = open_page(browser, result.path)
    assert opened.page.evaluate("document.querySelectorAll('head script[src]').length") < 40
    _assert_durations(reviewed, _load_every_audio(opened.page))
    loaded = opened.page.evaluate("document.querySelectorAll('head script[src]').length")
    assert loaded == 40
    assert opened.errors == []


def test_review_page_keyboard_moves_and_plays_filters_narrow(
    reviewed: Reviewed, browser: Browser
) -> None:
    opened = open_page(browser, reviewed.page)
    page = opened.page
    page.keyboard.press("j")
    page.keyboard.press("j")
    current = page.evaluate("document.querySelector('.row.current').dataset.promptId")
    assert current == page.evaluate("document.querySelectorAll('.row')[1].dataset.promptId")
    page.keyboard.press(" ")
    page.wait_for_function(
        "document.querySelector('.row.current audio[data-version=after]').currentTime > 0.2"
    )
    page.keyboard.press(" ")
    assert page.evaluate("document.querySelector('.row.current audio[data-version=after]').paused")
    page.select_option("#f-status", "changed")
    assert page.locator(".row:not([hidden])").count() == 2
    page.select_option("#f-status", "")
    page.select_option("#f-locale", "en-US")
    page.fill("#f-text", "digits/")
    visible = page.evaluate(
        "[...document.querySelectorAll('.row:not([hidden])')].map(r => r.dataset.locale)"
    )
    assert visible == ["en-US"] * 10
    assert opened.errors == []


def _coded_row(codec: str) -> Row:
    record: Any = {
        "id": f"codes/{codec}",
        "locale": "en-US",
        "text": "every code",
        "spoken_text": "every code",
        "engine": "espeak",
        "voice": "en-us",
        "duration_s": 256 / 8000,
        "level_dbov": -26.0,
        "peak_dbfs": -1.0,
        "files": [],
    }
    return Row(record["id"], "en-US", "new", Version(record, Clip(codec, bytes(range(256)))), None)  # type: ignore[arg-type]


def test_review_page_g711_tables_decode_like_the_reference(
    browser: Browser, tmp_path: Path
) -> None:
    rows = [_coded_row("ulaw"), _coded_row("alaw")]
    path = tmp_path / "codes.html"
    path.write_text(render_page(rows, project="codes", against=None).html, encoding="utf-8")
    opened = open_page(browser, path)
    for row in rows:
        assert row.after is not None
        assert row.after.clip is not None
        decoded = opened.page.evaluate(
            f"Array.from(window.ivrReview.samples('{row.after.clip.key}'))"
        )
        expected = audio.decode(bytes(range(256)), row.after.clip.codec)  # type: ignore[arg-type]
        assert decoded == expected.tolist()
    assert opened.errors == []
