"""The published records as a rebuild reads them: the same records as read_manifest, each
parsed when asked, and the same bytes when a kept record is written again."""

from __future__ import annotations

import json

from ivr_prompts.publish.manifest import (
    MANIFEST,
    manifest_bytes,
    new_manifest,
    read_manifest,
    record_json,
)
from ivr_prompts.publish.previous import read_previous

from .conftest import Project
from .test_noop import built


def test_read_previous_published_set_same_records_and_bytes(make_project: Project) -> None:
    _, cfg = built(make_project)
    manifest = read_manifest(cfg.project.output)
    previous = read_previous(cfg.project.output)
    assert manifest is not None
    assert previous is not None
    keys = [(r["id"], r["locale"]) for r in manifest["prompts"]]
    assert list(previous) == keys
    assert [previous[k] for k in keys] == manifest["prompts"]
    assert [previous.blob(k) for k in keys] == [record_json(r) for r in manifest["prompts"]]
    assert previous.same_as(new_manifest(cfg, []), list(reversed(keys)))
    assert not previous.same_as(new_manifest(cfg, []), keys[1:])


def test_read_previous_reformatted_manifest_same_records(make_project: Project) -> None:
    _, cfg = built(make_project)
    path = cfg.project.output / MANIFEST
    manifest = json.loads(path.read_bytes())
    path.write_text(json.dumps(manifest), encoding="utf-8")  # one line: not our layout
    previous = read_previous(cfg.project.output)
    assert previous is not None
    assert [previous[k] for k in previous] == manifest["prompts"]
    assert [previous.blob(k) for k in previous] == [record_json(r) for r in manifest["prompts"]]
    assert previous.same_as(new_manifest(cfg, []), list(previous))


def test_read_previous_record_missing_key_is_none_like_read_manifest(
    make_project: Project,
) -> None:
    _, cfg = built(make_project)
    path = cfg.project.output / MANIFEST
    manifest = json.loads(path.read_bytes())
    del manifest["prompts"][-1]["checks"]
    path.write_bytes(manifest_bytes(manifest))  # still laid out as ours
    assert read_manifest(cfg.project.output) is None
    assert read_previous(cfg.project.output) is None


def test_read_previous_other_version_is_none(make_project: Project) -> None:
    _, cfg = built(make_project)
    path = cfg.project.output / MANIFEST
    manifest = json.loads(path.read_bytes())
    manifest["version"] = 0
    path.write_bytes(manifest_bytes(manifest))
    assert read_previous(cfg.project.output) is None
    assert read_previous(cfg.project.output / "nowhere") is None
