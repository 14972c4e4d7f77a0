"""`review` touches only what it made, and reads only files inside the set it compares."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ivr_prompts import config, validate
from ivr_prompts.errors import UsageError
from ivr_prompts.review.model import build_rows
from ivr_prompts.review.ownership import FOLDER_MARK, PAGE_MARK
from ivr_prompts.review.sources import read_folder
from ivr_prompts.review.write import write_review

from .conftest import Project, run_cli
from .engines import CountingEngine, build_with


def _build(path: Path) -> config.Config:
    cfg = config.load(path)
    build_with(cfg, CountingEngine())
    return cfg


def test_review_inline_page_user_folder_beside_it_left_alone(make_project: Project) -> None:
    cfg = _build(make_project())
    saved = cfg.root / "review_files"
    saved.mkdir()
    (saved / "jquery.js").write_text("/* a browser's saved copy */", encoding="utf-8")

    result = write_review(cfg)

    assert result.folder is None
    assert (saved / "jquery.js").read_text(encoding="utf-8") == "/* a browser's saved copy */"


def test_review_folder_page_user_folder_in_the_way_refused(make_project: Project) -> None:
    cfg = _build(make_project())
    saved = cfg.root / "review_files"
    saved.mkdir()
    (saved / "notes.txt").write_text("mine", encoding="utf-8")

    with pytest.raises(UsageError) as caught:
        write_review(cfg, inline_limit=0)

    assert str(caught.value) == (
        f"--out: {saved} exists and was not written by ivr-prompts review; the page's audio "
        "goes there: move it away, or choose another --out"
    )
    assert sorted(p.name for p in saved.iterdir()) == ["notes.txt"]
    assert not (cfg.root / "review.html").exists()


def test_review_own_folder_marked_then_removed_when_page_goes_inline(
    make_project: Project,
) -> None:
    cfg = _build(make_project())
    first = write_review(cfg, inline_limit=0)
    folder = cfg.root / "review_files"
    assert first.folder == "review_files"
    assert (folder / FOLDER_MARK).is_file()
    assert PAGE_MARK in first.path.read_text(encoding="utf-8")

    again = write_review(cfg, inline_limit=0)  # its own folder: replaced
    assert again.folder == "review_files"
    write_review(cfg)  # inline now: its own folder goes

    assert not folder.exists()


@pytest.mark.parametrize(
    ("out", "what"),
    [
        ("prompts.toml", "the project file"),
        ("templates/welcome.j2", "the templates folder"),
        ("pron/en-US.toml", "the dictionary of en-US"),
        ("dist/index.html", "the output folder (project.output)"),
        ("cache/page.html", "the cache (project.cache)"),
    ],
)
def test_review_cli_out_project_file_refused_even_with_force(
    make_project: Project, out: str, what: str
) -> None:
    path = make_project()
    cfg = _build(path)
    target = cfg.root / out
    before = target.read_bytes() if target.is_file() else None
    where = {
        "the project file": cfg.path,
        "the templates folder": cfg.templates_dir,
        "the dictionary of en-US": cfg.root / "pron/en-US.toml",
        "the output folder (project.output)": cfg.project.output,
        "the cache (project.cache)": cfg.project.cache,
    }[what]

    done = run_cli("review", "--config", str(path), "--out", str(target), "--force")

    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: --out {target.resolve()}: that is {what} ({where}); review writes only its own "
        "pages, never the project's files; choose another path such as review.html"
    )
    assert (target.read_bytes() if target.is_file() else None) == before


def test_review_cli_out_foreign_file_refused_then_replaced_with_force(
    make_project: Project,
) -> None:
    path = make_project()
    _build(path)
    notes = path.parent / "notes.html"
    notes.write_text("<p>my notes</p>", encoding="utf-8")

    refused = run_cli("review", "--config", str(path), "--out", str(notes))
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"error: --out {notes}: exists and is not a page written by ivr-prompts review; "
        "choose another path, or pass --force to replace it"
    )
    assert notes.read_text(encoding="utf-8") == "<p>my notes</p>"

    forced = run_cli("review", "--config", str(path), "--out", str(notes), "--force")
    assert forced.returncode == 0, forced.stderr
    assert PAGE_MARK in notes.read_text(encoding="utf-8")
    again = run_cli("review", "--config", str(path), "--out", str(notes))  # its own page now
    assert again.returncode == 0, again.stderr


def _foreign_set(cfg: config.Config, tmp: Path) -> tuple[Path, Path]:
    """A copy of the published set whose manifest points out of it three ways; and the file
    outside it (a clip of the reviewer's own) it points at."""
    other = tmp / "colleague" / "dist"
    shutil.copytree(cfg.project.output, other)
    mine = tmp / "private.ulaw"
    mine.write_bytes(bytes(range(1, 127)) * 64)
    (other / "asterisk" / "en" / "link.ulaw").symlink_to(mine)
    manifest = json.loads((other / "manifest.json").read_text(encoding="utf-8"))
    pointers = {
        ("main/welcome", "en-US"): str(mine),
        ("main/hours", "en-US"): "../../private.ulaw",
        ("digits/1", "en-US"): "asterisk/en/link.ulaw",
    }
    for record in manifest["prompts"]:
        new = pointers.get((record["id"], record["locale"]))
        if new is not None:
            for f in record["files"]:
                f["path"], f["sha256"] = new, "0" * 64
    (other / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return other, mine


def test_review_against_folder_paths_out_of_the_set_not_read(
    make_project: Project, tmp_path: Path
) -> None:
    cfg = _build(make_project())
    other, _ = _foreign_set(cfg, tmp_path)

    rows = build_rows(
        read_folder(cfg.project.output), read_folder(other), lambda _: validate.Rules()
    )

    before = {(r.prompt_id, r.locale): r.before for r in rows}
    for key in (("main/welcome", "en-US"), ("main/hours", "en-US"), ("digits/1", "en-US")):
        version = before[key]
        assert version is not None
        assert version.clip is None, key


def test_review_cli_against_folder_one_line_per_refused_path(
    make_project: Project, tmp_path: Path
) -> None:
    path = make_project()
    cfg = _build(path)
    other, mine = _foreign_set(cfg, tmp_path)

    done = run_cli("review", "--config", str(path), "--against", str(other))

    assert done.returncode == 0, done.stderr
    tail = "not read (review reads only regular files inside the compared set)"
    assert sorted(done.stderr.strip().splitlines()) == sorted(
        [
            f"warning: {other}: digits/1 [en-US]: 'asterisk/en/link.ulaw' is a symlink out of the "
            f"set; {tail}",
            f"warning: {other}: main/hours [en-US]: '../../private.ulaw' is a path with '..' "
            f"or empty parts; {tail}",
            f"warning: {other}: main/welcome [en-US]: '{mine}' is an absolute path; {tail}",
        ]
    )


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_review_cli_against_git_ref_with_symlink_one_line_no_traceback(
    make_project: Project,
) -> None:
    path = make_project()
    cfg = _build(path)
    root = path.parent
    (cfg.project.output / "asterisk" / "en" / "passwd.ulaw").symlink_to("/etc/passwd")
    _git(root, "init", "-q")
    _git(root, "add", "dist", "prompts.toml")
    _git(root, "commit", "-qm", "published")
    os.remove(cfg.project.output / "asterisk" / "en" / "passwd.ulaw")

    done = run_cli("review", "--config", str(path), "--against", "HEAD")

    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == (
        "warning: --against HEAD: dist/asterisk/en/passwd.ulaw is a symlink at HEAD; not read "
        "(review reads only regular files inside the compared set)"
    )


def test_review_page_of_an_older_version_replaced_without_force(make_project: Project) -> None:
    cfg = _build(make_project())
    older = cfg.root / "review.html"
    older.write_text(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>test-set: prompt '
        "review</title><style></style></head><body></body></html>\n",
        encoding="utf-8",
    )
    folder = cfg.root / "review_files"
    folder.mkdir()
    (folder / "0123456789abcdef.js").write_text('window.ivrReview.put("0","ulaw","");\n')

    write_review(cfg)

    assert PAGE_MARK in older.read_text(encoding="utf-8")
    assert not folder.exists()  # the older page's clip folder, recognised by its shape
