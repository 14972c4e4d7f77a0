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
    "## 8. Sharded builds: 4 shards of 8 pairs, then the final build",
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
        "syntheses of the final build",
    ):
        assert figure in text, figure


def test_benchmarks_verbalize_smoke_reports_both_costs(tmp_path: Path) -> None:
    from benchmarks import verbalize

    text = verbalize.markdown(verbalize.run(8, tmp_path, repeats=1))
    assert text.startswith("## Saying numbers, amounts and pauses (issue 19)\n")
    assert "| render every pair (in process) |" in text
    assert "| `plan` (child process, wall) |" in text
    assert "| verbalizing 8 pairs, against a no-op build of 10,000 (272 ms) |" in text


def test_benchmarks_shards_smoke_every_synthesis_once_and_none_in_the_final_build(
    tmp_path: Path,
) -> None:
    from benchmarks import shards
    from benchmarks.config import SMOKE
    from benchmarks.report import section_lines

    section = shards.run(SMOKE, tmp_path)

    verdicts = {t.figure.split(" (")[0]: t for t in section.targets}
    assert verdicts["syntheses over the 4 shards"].value == "8"
    assert verdicts["syntheses over the 4 shards"].met is True
    assert verdicts["syntheses of the final build"].value == "0"
    assert verdicts["syntheses of the final build"].met is True
    assert verdicts["shares"].value == "2 / 2 / 2 / 2"
    text = "\n".join(section_lines(section))
    assert "| `build --shard 4/4` |" in text
    assert "| final `build` (after the shards) |" in text
