"""The review page at scale: a synthetic published set of 1,000 pairs (and the sample set's page
size for comparison), the page's bytes, and how fast headless chromium opens and scrolls it.

Run: python -m benchmarks.review_scale [--pairs 1000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ivr_prompts import audio, validate
from ivr_prompts.review.model import build_rows
from ivr_prompts.review.page import render_page
from ivr_prompts.review.sources import read_folder

WORDS = (
    *("please", "press", "one", "two", "three", "for", "account", "balance", "card", "agent"),
    *("hours", "our", "offices", "are", "open", "thank", "you", "calling", "your", "call"),
    *("may", "be", "recorded", "to", "report", "lost", "stolen", "enter", "number", "goodbye"),
)


def _speechlike(seconds: float, rng: np.random.Generator) -> np.ndarray[Any, np.dtype[np.int16]]:
    """Voiced syllables (harmonics of a wandering f0 under a 4 Hz envelope) with pauses."""
    n = int(seconds * audio.RATE)
    t = np.arange(n) / audio.RATE
    f0 = 110 + 25 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6))
    phase = 2 * np.pi * np.cumsum(f0) / audio.RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 16))
    envelope = np.clip(np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6)), 0, None) ** 2
    envelope *= np.repeat(rng.random(n // 2000 + 1) > 0.2, 2000)[:n]
    x = voice * envelope + rng.normal(0, 0.002, n)
    x *= 0.1 / (np.sqrt(np.mean(x**2)) + 1e-9)
    return audio.to_pcm16(np.clip(x, -0.9, 0.9).astype(np.float32))


def write_set(root: Path, keys: list[tuple[str, str]], changed: set[tuple[str, str]]) -> None:
    """A published folder with raw mu-law files and a manifest, as `build` would leave it."""
    records = []
    for pid, locale in keys:
        seed = int(hashlib.sha256(f"{pid} {locale}".encode()).hexdigest()[:8], 16)
        rng = np.random.default_rng([seed, 1 if (pid, locale) in changed else 0])
        pcm = _speechlike(float(rng.uniform(1.0, 6.0)), rng)
        data = audio.raw_bytes(pcm, "ulaw")
        rel = f"asterisk/{locale}/{pid}.ulaw"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        text = " ".join(rng.choice(WORDS, int(rng.integers(3, 16)))).capitalize() + "."
        records.append(
            {
                "id": pid,
                "locale": locale,
                "language": locale[:2],
                "text": text,
                "spoken_text": text.replace("agent", "ay-jent"),
                "source": "synthetic",
                "engine": "espeak",
                "voice": locale.lower(),
                "model": "",
                "speed": 1.0,
                "synth_key": "",
                "cache_key": "",
                "duration_s": round(pcm.size / audio.RATE, 3),
                "level_dbov": round(audio.active_level_dbov(audio.to_float(pcm), audio.RATE), 2),
                "peak_dbfs": round(audio.peak_dbfs(audio.to_float(pcm)), 2),
                "request_id": "",
                "checks": "",
                "files": [
                    {
                        "path": rel,
                        "target": "asterisk",
                        "format": "ulaw",
                        "bytes": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
                ],
            }
        )
    manifest = {
        "format": "ivr-prompts-manifest",
        "version": 1,
        "tool": "benchmark",
        "project": "synthetic",
        "prompts": records,
    }
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def measure_browser(page_path: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        start = time.perf_counter()
        page.goto(page_path.resolve().as_uri())
        page.wait_for_load_state("load")
        loaded = time.perf_counter() - start
        page.wait_for_function("document.querySelectorAll('.row[data-drawn]').length > 0")
        drawn = time.perf_counter() - start
        start = time.perf_counter()
        page.keyboard.press("End")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function(
            "[...document.querySelectorAll('.row')].slice(-3)"
            ".every(r => [...r.querySelectorAll('audio')].every(a => a.readyState >= 1))"
        )
        jump = time.perf_counter() - start
        start = time.perf_counter()
        page.fill("#f-text", "agent")
        page.evaluate("document.getElementById('shown').textContent")
        filtered = time.perf_counter() - start
        heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
        browser.close()
    return {
        "load_s": loaded,
        "first_drawn_s": drawn,
        "jump_to_end_s": jump,
        "filter_s": filtered,
        "js_heap_mb": heap / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--folder", action="store_true", help="audio in review_files/")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        work = args.keep or Path(temp)
        locales = ("en-US", "es-US")
        ids = [f"menu/p{i:04d}" for i in range(args.pairs // len(locales))]
        keys = [(pid, loc) for pid in ids for loc in locales]
        # The first 2% of the old set are removed; 10% change; 2% are new.
        n = len(keys)
        new = [(f"menu/new{i:03d}", "en-US") for i in range(n // 50)]
        changed = set(keys[n // 50 : n // 50 + n // 10])
        write_set(work / "before", keys, set())
        write_set(work / "dist", keys[n // 50 :] + new, changed)
        start = time.perf_counter()
        rows = build_rows(
            read_folder(work / "dist"), read_folder(work / "before"), lambda _: validate.Rules()
        )
        folder = "review_files" if args.folder else None
        page_made = render_page(rows, project="synthetic", against="before", folder=folder)
        html = page_made.html.encode()
        made = time.perf_counter() - start
        page = work / "review.html"
        page.write_bytes(html)
        if folder:
            (work / folder).mkdir(exist_ok=True)
            for name, text in page_made.clip_files.items():
                (work / folder / name).write_text(text)
            total = sum(len(t) for t in page_made.clip_files.values())
            print(f"audio folder {total / 1e6:.1f} MB in {len(page_made.clip_files)} files")
        seconds = sum(r.after.record["duration_s"] for r in rows if r.after)
        counts = {s: sum(r.status == s for r in rows) for s in ("changed", "new", "removed")}
        print(f"rows {len(rows)} {counts}; current audio {seconds / 60:.1f} min")
        print(f"page {len(html) / 1e6:.1f} MB, written in {made:.1f} s")
        for name, value in measure_browser(page).items():
            print(f"{name} {value:.2f}")


if __name__ == "__main__":
    main()
