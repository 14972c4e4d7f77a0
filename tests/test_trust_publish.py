"""What a build leaves and ships: no leftover of a killed build, no archive member outside its
folder whatever the project is called."""

from __future__ import annotations

import tarfile
import zipfile

import pytest

from ivr_prompts import config
from ivr_prompts.export.archive import archive_top
from ivr_prompts.review.before import before_dir

from .conftest import BASE_TOML, Project
from .engines import CountingEngine, build_with


def test_build_before_image_leftovers_of_a_killed_build_removed(make_project: Project) -> None:
    cfg = config.load(make_project())
    build_with(cfg, CountingEngine())
    kept = before_dir(cfg.project.output)
    # What a SIGKILL while the before-image is written leaves: its temporary folder, and the
    # older image moved aside.
    for name in (f"{kept.name}-0123456789ab", f"{kept.name}-old-0123456789ab"):
        (kept.parent / name / "en-US").mkdir(parents=True)
        (kept.parent / name / "en-US" / "x.ulaw").write_bytes(b"\xff" * 800)

    build_with(cfg, CountingEngine())

    out = cfg.project.output
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")) == [
        ".dist.lock"
    ]


@pytest.mark.parametrize(
    ("name", "top"),
    [
        ("../../evil", "evil"),
        ("/etc/cron.d", "etc-cron.d"),
        ("..", "prompts"),
        ("a\\..\\..\\b", "a-b"),
        ("Acme IVR", "Acme IVR"),
    ],
)
def test_archive_top_any_project_name_one_safe_folder(name: str, top: str) -> None:
    assert archive_top(name) == top


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_archive_project_name_climbing_out_members_stay_inside(
    make_project: Project, fmt: str
) -> None:
    toml = BASE_TOML.replace('name = "test-set"', 'name = "../../evil"').replace(
        "[locales.en-US]", f'[publish]\narchive = "{fmt}"\n\n[locales.en-US]'
    )
    cfg = config.load(make_project(toml))
    build_with(cfg, CountingEngine())
    archive = cfg.root / f"dist.{fmt}"
    if fmt == "zip":
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
    else:
        with tarfile.open(archive) as tar:
            names = tar.getnames()
    assert names
    assert all(n.startswith("evil/") and ".." not in n.split("/") for n in names), names
