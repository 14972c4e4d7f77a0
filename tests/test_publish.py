"""Publishing under faults: the swap and its fallbacks, a corrupt manifest, names the file system
refuses, a full disk, no permission, and an interrupt after the swap."""

from __future__ import annotations

import asyncio
import errno
import functools
import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ivr_prompts import config
from ivr_prompts.errors import PublishError, UsageError
from ivr_prompts.flow import build as builder
from ivr_prompts.flow.outcome import BuildReport
from ivr_prompts.publish.layout import PlannedFile
from ivr_prompts.publish.manifest import PromptRecord
from ivr_prompts.publish.stage import PublishItem, Stager
from ivr_prompts.publish.swap import renameat2_exchange

from .audio_fixtures import tone
from .conftest import BASE_TOML, Project
from .engines import CountingEngine, engines_with
from .test_pipeline import snapshot

HOURS = 'hours = "nine to five"'


def build(cfg: config.Config, engine: CountingEngine, **kwargs: object) -> BuildReport:
    engines, _ = engines_with(cfg, engine)
    return asyncio.run(builder.build(cfg, engines=engines, **kwargs))  # type: ignore[arg-type]


def published_then_changed(make_project: Project) -> tuple[config.Config, dict[str, str]]:
    """A project built once, then edited so that the next build publishes a new set."""
    path = make_project()
    build(config.load(path), CountingEngine())
    cfg = config.load(path)
    before = snapshot(cfg.project.output)
    path.write_text(path.read_text().replace(HOURS, 'hours = "ten to six"'))
    return config.load(path), before


def hours_text(cfg: config.Config) -> str:
    return (cfg.project.output / "asterisk/en/core-sounds-en.txt").read_text().splitlines()[3]


def leftovers(cfg: config.Config) -> list[str]:
    """What lies beside the output besides the before-image `review` reads (kept on purpose)."""
    out = cfg.project.output
    mine = (p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))
    return sorted(name for name in mine if name != f".{out.name}.before")


# -- the swap ----------------------------------------------------------------------------------


def folder(path: Path, text: str) -> Path:
    path.mkdir()
    (path / "f").write_text(text)
    return path


def test_renameat2_exchange_real_call_exchanges_two_folders(tmp_path: Path) -> None:
    a, b = folder(tmp_path / "a", "A"), folder(tmp_path / "b", "B")
    assert renameat2_exchange(a, b) is True
    assert ((a / "f").read_text(), (b / "f").read_text()) == ("B", "A")


@pytest.mark.parametrize("code", [errno.ENOSYS, errno.EINVAL, errno.ENOTSUP])
def test_renameat2_exchange_unsupported_returns_false_and_touches_nothing(
    tmp_path: Path, code: int
) -> None:
    a, b = folder(tmp_path / "a", "A"), folder(tmp_path / "b", "B")
    calls: list[tuple[bytes, bytes]] = []

    def unsupported(x: bytes, y: bytes) -> int:
        calls.append((x, y))
        return code

    assert renameat2_exchange(a, b, call=unsupported) is False
    assert calls == [(os.fsencode(a), os.fsencode(b))]
    assert ((a / "f").read_text(), (b / "f").read_text()) == ("A", "B")


def test_renameat2_exchange_other_failure_raises_oserror(tmp_path: Path) -> None:
    a, b = folder(tmp_path / "a", "A"), folder(tmp_path / "b", "B")
    with pytest.raises(OSError, match="Invalid cross-device link") as info:
        renameat2_exchange(a, b, call=lambda x, y: errno.EXDEV)
    assert info.value.errno == errno.EXDEV


def test_build_exchange_unavailable_publishes_by_two_renames(make_project: Project) -> None:
    cfg, _ = published_then_changed(make_project)
    asked: list[tuple[Path, Path]] = []

    def no_exchange(a: Path, b: Path) -> bool:
        asked.append((a, b))
        return False

    report = build(cfg, CountingEngine(), exchange=no_exchange)
    assert report.published
    assert [b for _, b in asked] == [cfg.project.output.resolve()]
    assert hours_text(cfg) == "main/hours: ten to six"
    assert leftovers(cfg) == [".dist.lock"]  # neither the staging nor the set moved aside


def test_build_renameat2_enosys_publishes_by_two_renames(make_project: Project) -> None:
    cfg, _ = published_then_changed(make_project)
    enosys = functools.partial(renameat2_exchange, call=lambda a, b: errno.ENOSYS)
    report = build(cfg, CountingEngine(), exchange=enosys)
    assert report.published
    assert hours_text(cfg) == "main/hours: ten to six"
    assert leftovers(cfg) == [".dist.lock"]


def test_build_exchange_failure_one_line_previous_set_untouched(make_project: Project) -> None:
    cfg, before = published_then_changed(make_project)
    exdev = functools.partial(renameat2_exchange, call=lambda a, b: errno.EXDEV)
    with pytest.raises(PublishError) as info:
        build(cfg, CountingEngine(), exchange=exdev)
    out = cfg.project.output.resolve()
    assert info.value.message == (
        f"{out}: cannot write (Invalid cross-device link); check the disk and project.output"
    )
    assert snapshot(cfg.project.output) == before
    assert leftovers(cfg) == [".dist.lock"]


def test_build_after_kill_between_renames_puts_previous_set_back(make_project: Project) -> None:
    path = make_project()
    cfg = config.load(path)
    build(cfg, CountingEngine())
    before = snapshot(cfg.project.output)
    # What a kill between the fallback's first and second rename leaves: no output, the
    # published set moved aside.
    cfg.project.output.rename(cfg.project.output.parent / ".dist.old-0123456789ab")
    engine = CountingEngine()
    report = build(cfg, engine)
    assert engine.requests == []
    assert not report.published  # nothing to do: the set is back as it was
    assert snapshot(cfg.project.output) == before
    assert leftovers(cfg) == [".dist.lock"]


def test_build_sigint_after_swap_reports_published(make_project: Project) -> None:
    cfg, _ = published_then_changed(make_project)

    def exchange_then_interrupt(a: Path, b: Path) -> bool:
        done = renameat2_exchange(a, b)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C the moment the new set is in place
        return done

    try:
        report = build(cfg, CountingEngine(), exchange=exchange_then_interrupt)
    except KeyboardInterrupt:
        pytest.fail("a build interrupted after its swap said it published nothing")
    assert report.published
    assert hours_text(cfg) == "main/hours: ten to six"


# -- the manifest ------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", [b'{"format": "ivr-prompts-manifest", "vers', b"[]\n"])
def test_build_corrupt_manifest_refused_published_files_untouched(
    make_project: Project, damage: bytes
) -> None:
    cfg = config.load(make_project())
    build(cfg, CountingEngine())
    (cfg.project.output / "manifest.json").write_bytes(damage)
    before = snapshot(cfg.project.output)
    engine = CountingEngine()
    with pytest.raises(UsageError) as info:
        build(cfg, engine)
    assert info.value.message == (
        f"prompts.toml: project.output: {cfg.project.output} exists and was not made by "
        "ivr-prompts (no valid manifest.json); remove it or choose another folder"
    )
    assert engine.requests == []
    assert snapshot(cfg.project.output) == before


# -- names the file system refuses -------------------------------------------------------------


def record(prompt_id: str) -> PromptRecord:
    return PromptRecord(
        id=prompt_id,
        locale="en-US",
        language="en",
        text="one",
        spoken_text="one",
        source="prompts.toml",
        engine="espeak",
        voice="en",
        model="",
        speed=1.0,
        synth_key="0" * 64,
        cache_key="1" * 64,
        duration_s=0.5,
        level_dbov=-26.0,
        peak_dbfs=-20.0,
        words_per_minute=160.0,
        request_id="",
        checks="2" * 64,
        files=[],
    )


def stage(cfg: config.Config, *prompt_ids: str) -> None:
    """Stage each id's Asterisk mu-law file, admit it, and publish the set."""
    pcm = (tone(440.0, 0.5) * 32767).astype(np.int16)
    with Stager(cfg) as stager:
        for prompt_id in prompt_ids:
            planned = PlannedFile(f"asterisk/en/{prompt_id}.ulaw", "asterisk", "ulaw")
            item = PublishItem(record(prompt_id), [planned], pcm)
            stager.write(item)
            stager.admit(item.record)
        stager.finish()


@pytest.mark.parametrize(
    ("ids", "clash"),
    [
        (("x", "x.ulaw/y"), "asterisk/en/x.ulaw"),
        (("x.ulaw/y", "x"), "asterisk/en/x.ulaw"),
        (("core-sounds-en.txt/x",), "asterisk/en/core-sounds-en.txt"),
    ],
)
def test_stager_file_and_folder_of_one_name_one_line_nothing_written(
    make_project: Project, ids: tuple[str, ...], clash: str
) -> None:
    cfg = config.load(make_project())
    with pytest.raises(PublishError) as info:
        stage(cfg, *ids)
    out = cfg.project.output.resolve()
    assert info.value.message == (
        f"{out}/{clash}: a file and a folder would share this name; rename the prompt id so "
        "that no id's file is another id's folder or an index file"
    )
    assert not out.exists()
    assert leftovers(cfg) == []


def test_stager_name_too_long_one_line_nothing_written(make_project: Project) -> None:
    cfg = config.load(make_project())
    long_id = "menu/" + "x" * 300
    with pytest.raises(PublishError) as info:
        stage(cfg, "ok", long_id)
    out = cfg.project.output.resolve()
    assert info.value.message == (
        f"{out}/asterisk/en/{long_id}.ulaw: name too long for the file system (at most 255 "
        "bytes per folder or file name); shorten the prompt id"
    )
    assert not out.exists()
    assert leftovers(cfg) == []


# -- the disk and its permissions, through the CLI ----------------------------------------------


def cli(config_path: Path, *prefix: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "ivr_prompts", "build", "--config", str(config_path)],
        capture_output=True,
        text=True,
        check=False,
    )


def tree_digest(root: Path) -> str:
    """One line per file under root: relative path and sha256 (what `sha256sum` prints)."""
    return "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  ./{p.relative_to(root)}\n"
        for p in sorted(root.rglob("*"))
        if p.is_file()
    )


def test_build_cli_disk_full_exit_1_one_line_published_set_intact(make_project: Project) -> None:
    toml = BASE_TOML.replace('output = "dist"', 'output = "vol/dist"')
    path = make_project(toml)
    first = cli(path)
    assert first.returncode == 0, first.stderr
    vol = path.parent / "vol"
    saved = path.parent / "saved"
    shutil.copytree(vol, saved)
    used = sum(-(-p.stat().st_size // 4096) * 4096 for p in vol.rglob("*") if p.is_file())
    # Every file changes (a new level): staging them needs a second copy of the set, and the
    # file system has room for a third of one.
    path.write_text(path.read_text() + "\n[audio]\nlevel_dbov = -24\n")
    script = (
        'mount -t tmpfs -o size="$3" tmpfs "$1" && cp -a "$2/." "$1/" && cd "$1" '
        '&& "$4" -m ivr_prompts build --config "$5"; rc=$?; '
        'find dist -type f | sort | xargs sha256sum | sed "s| dist/| ./|"; ls -A; exit $rc'
    )
    result = subprocess.run(
        [
            "unshare",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            script,
            "sh",
            str(vol),
            str(saved),
            str(used * 4 // 3 // 4096 * 4096),
            sys.executable,
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"error: {vol.resolve()}/dist: no space left on the device; free space there (a build "
        "needs room for a second copy of the files it changes) or choose another project.output"
    ]
    *digests, first_name, second_name = result.stdout.splitlines()
    assert "\n".join(digests) + "\n" == tree_digest(saved / "dist")  # byte-identical
    assert {first_name, second_name} == {"dist", ".dist.lock"}  # no staging left behind


def as_user() -> tuple[str, ...]:
    """Run as a user the file modes bind: root drops the capabilities that override them."""
    if os.geteuid() != 0:
        return ()
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")


def test_build_cli_output_folder_not_writable_exit_1_one_line(make_project: Project) -> None:
    path = make_project(BASE_TOML.replace('output = "dist"', 'output = "locked/dist"'))
    locked = path.parent / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = cli(path, *as_user())
    finally:
        locked.chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"error: {locked.resolve()}/.dist.lock: permission denied; make {locked.resolve()} "
        "writable or choose another project.output"
    ]
    assert list(locked.iterdir()) == []


def test_build_cli_output_under_a_file_exit_1_one_line(make_project: Project) -> None:
    path = make_project(
        BASE_TOML.replace('output = "dist"', 'output = "README.md/dist"'), {"README.md": "mine"}
    )
    result = cli(path)
    assert result.returncode == 1, result.stderr
    readme = path.parent.resolve() / "README.md"
    assert result.stderr.splitlines() == [
        f"error: {readme}: a part of this path is a file, not a folder; choose another "
        "project.output"
    ]
    assert readme.read_text() == "mine"
