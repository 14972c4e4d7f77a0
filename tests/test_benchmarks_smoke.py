"""The benchmark harness in smoke mode: tiny sizes, no thresholds; it must run and report."""

from __future__ import annotations

from pathlib import Path

from benchmarks import run

SECTIONS = (
    "## Machine",
    "## Targets",
    "## 1. Cold build against the Waves stand-in",
    "## 1b. Slot utilisation of the client's scheduling (virtual time)",
    "## 2. No-op rebuild, everything cached",
    "## 3. One prompt changed in a set",
    "## 4. Audio processing and local engines",
    "## 5. Memory as the set grows",
    "## 6. At scale: no-op `build` and `check`, and the cold build's memory",
    "## 7. Local engines in a process pool",
)


def test_benchmarks_smoke_run_reports_every_section(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"

    assert run.main(["--smoke", "--out", str(out)]) == 0

    text = out.read_text(encoding="utf-8")
    assert "smoke run" in text
    for heading in SECTIONS:
        assert heading in text, heading
    for figure in (
        "vendor example",
        "no-op build",
        "x real time",
        "peak RSS",
        "lost prompts",
        "slots busy",
    ):
        assert figure in text, figure
