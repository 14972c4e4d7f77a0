"""The review model: word diffs, the build's before-image, and the sets it compares (folder,
git ref, before-image), on small projects built with real espeak-ng."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from ivr_prompts import config, validate
from ivr_prompts.review.before import audio_file, before_dir
from ivr_prompts.review.diff import substitutions, word_diff
from ivr_prompts.review.model import build_rows
from ivr_prompts.review.sources import read_folder
from ivr_prompts.review.write import prompt_rules, write_review

from .conftest import BASE_TOML, Project, run_cli
from .engines import CountingEngine, build_with


def test_word_diff_inserted_word_marked_alone() -> None:
    assert word_diff("Welcome to Acme.", "Welcome to Acme Bank.") == [
        ("same", "Welcome to Acme"),
        ("ins", " Bank"),
        ("same", "."),
    ]


def test_word_diff_replaced_word_deleted_then_inserted() -> None:
    assert word_diff("open nine to five", "open eight to five") == [
        ("same", "open "),
        ("del", "nine"),
        ("ins", "eight"),
        ("same", " to five"),
    ]


def test_substitutions_dictionary_word_marked_on_both_sides() -> None:
    written, said = substitutions("Welcome to Acme Bank.", "Welcome to Ack-mee Bank.")
    assert [t for sub, t in written if sub] == ["Acme"]
    assert [t for sub, t in said if sub] == ["Ack-mee"]
    assert "".join(t for _, t in written) == "Welcome to Acme Bank."
    assert "".join(t for _, t in said) == "Welcome to Ack-mee Bank."


def _build(path: Path) -> config.Config:
    cfg = config.load(path)
    build_with(cfg, CountingEngine())
    return cfg


def _statuses(cfg: config.Config, against: str | None = None) -> dict[tuple[str, str], str]:
    page = write_review(cfg, against).path.read_text(encoding="utf-8")
    found = re.findall(r'data-prompt-id="([^"]+)" data-locale="([^"]+)" data-status="(\w+)"', page)
    return {(pid, loc): status for pid, loc, status in found}


def test_keep_before_image_first_build_keeps_none(make_project: Project) -> None:
    cfg = _build(make_project())
    assert not before_dir(cfg.project.output).exists()
    assert set(_statuses(cfg).values()) == {"new"}


def test_keep_before_image_changed_variable_keeps_manifest_and_only_changed_audio(
    make_project: Project,
) -> None:
    cfg = _build(make_project())
    out = cfg.project.output
    old_manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    old_hours = next(
        r for r in old_manifest["prompts"] if (r["id"], r["locale"]) == ("main/hours", "en-US")
    )
    kept_path = audio_file(old_hours)
    assert kept_path is not None
    old_bytes = (out / kept_path["path"]).read_bytes()

    cfg = _build(make_project(BASE_TOML.replace('"nine to five"', '"ten to six"')))
    kept = before_dir(out)
    assert json.loads((kept / "manifest.json").read_text(encoding="utf-8")) == old_manifest
    files = sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*") if p.is_file())
    assert files == sorted(["manifest.json", kept_path["path"]])
    assert (kept / kept_path["path"]).read_bytes() == old_bytes
    statuses = _statuses(cfg)
    assert {k for k, s in statuses.items() if s == "changed"} == {("main/hours", "en-US")}
    assert len(statuses) == 8


def test_review_removed_and_new_prompts_marked_with_their_audio(make_project: Project) -> None:
    cfg = _build(make_project())
    toml = BASE_TOML.replace("n = [1, 2]", "n = [2, 3]")
    cfg = _build(make_project(toml))
    current = read_folder(cfg.project.output)
    previous = read_folder(before_dir(cfg.project.output))
    rows = {
        (r.prompt_id, r.locale): r
        for r in build_rows(current, previous, lambda _: validate.Rules())
    }
    for locale in ("en-US", "es-US"):
        removed, new = rows[("digits/1", locale)], rows[("digits/3", locale)]
        assert (removed.status, new.status) == ("removed", "new")
        assert removed.after is None
        assert removed.before is not None
        assert removed.before.clip is not None  # its audio was kept in the before-image
        assert new.before is None
        assert rows[("digits/2", locale)].status == "unchanged"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_review_against_git_ref_compares_the_committed_set(make_project: Project) -> None:
    path = make_project()
    root = path.parent
    cfg = _build(path)
    _git(root, "init", "-q")
    _git(root, "add", "dist", "prompts.toml")
    _git(root, "commit", "-qm", "published")
    shutil.rmtree(before_dir(cfg.project.output), ignore_errors=True)
    cfg = _build(make_project(BASE_TOML.replace('"de nueve a cinco"', '"de diez a seis"')))
    shutil.rmtree(before_dir(cfg.project.output))  # only git knows the old set now

    done = run_cli("review", "--config", str(path), "--against", "HEAD")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {root / 'review.html'} (")
    assert done.stdout.rstrip().endswith("1 changed, 7 unchanged")
    page = (root / "review.html").read_text(encoding="utf-8")
    assert "compared with git HEAD:dist" in page
    assert _statuses(cfg, "HEAD")[("main/hours", "es-US")] == "changed"


def test_review_cli_unknown_ref_one_line_exit_2(make_project: Project) -> None:
    path = make_project()
    _build(path)
    _git(path.parent, "init", "-q")
    done = run_cli("review", "--config", str(path), "--against", "v9")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: --against v9: neither a folder nor a commit, branch or tag of {path.parent}; "
        "give a published folder or a git ref (e.g. HEAD~1, main, v1.2)"
    )
    assert not (path.parent / "review.html").exists()


def test_review_cli_folder_without_manifest_one_line_exit_2(
    make_project: Project, tmp_path: Path
) -> None:
    path = make_project()
    _build(path)
    empty = tmp_path / "old"
    empty.mkdir()
    done = run_cli("review", "--config", str(path), "--against", str(empty))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: --against {empty}: no ivr-prompts manifest.json in it; "
        "give a published folder (e.g. dist) or a git ref that holds one"
    )


def test_review_cli_before_any_build_one_line_exit_2(make_project: Project) -> None:
    path = make_project()
    done = run_cli("review", "--config", str(path))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: {path.parent / 'dist'} does not exist; run `ivr-prompts build` first"
    )


def test_review_published_audio_breaking_current_rules_marked_failing(
    make_project: Project,
) -> None:
    cfg = _build(make_project())
    manifest = json.loads((cfg.project.output / "manifest.json").read_text(encoding="utf-8"))
    long = {(r["id"], r["locale"]) for r in manifest["prompts"] if r["duration_s"] > 1.0}
    assert 0 < len(long) < 8
    # The rules tightened after the build: the page shows what no longer passes, and why.
    cfg = config.load(make_project(BASE_TOML.replace("max_seconds = 20", "max_seconds = 1")))
    statuses = _statuses(cfg)
    assert {k for k, s in statuses.items() if s == "failing"} == long
    page = (cfg.root / "review.html").read_text(encoding="utf-8")
    assert page.count('<li class="error"><b>error</b> duration:') == len(long)


def test_prompt_rules_matrix_and_plain_ids_get_their_own_duration_bounds(
    make_project: Project,
) -> None:
    toml = BASE_TOML.replace('text = "{{ n }}"', 'text = "{{ n }}"\nmax_seconds = 1.5').replace(
        'text = "{{ hours }}"', 'text = "{{ hours }}"\nmin_seconds = 0.4'
    )
    rules = prompt_rules(config.load(make_project(toml)))
    assert (rules("digits/7").max_seconds, rules("digits/7").min_seconds) == (1.5, 0.2)
    assert (rules("main/hours").max_seconds, rules("main/hours").min_seconds) == (20, 0.4)
    assert (rules("main/welcome").max_seconds, rules("digits").max_seconds) == (20, 20)
