"""[synth] workers: local engines in worker processes inside real builds (keys, faults, Ctrl-C)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ivr_prompts import config
from ivr_prompts.config import Config
from ivr_prompts.engines import pool
from ivr_prompts.engines.base import Engine, Synthesis, SynthesisRequest
from ivr_prompts.engines.espeak import EspeakEngine
from ivr_prompts.engines.piper import PiperEngine
from ivr_prompts.engines.pool import PooledEngine
from ivr_prompts.engines.registry import Engines, default_factory
from ivr_prompts.engines.workers import workers_for
from ivr_prompts.errors import BuildFailed, ConfigError
from ivr_prompts.flow import build as builder
from ivr_prompts.kinds import ResolvedEngine

from .conftest import BASE_TOML, Project, run_cli
from .engines import WrappedEspeak

# Piper (en-US) and espeak-ng (es-US) in one set: both local engines go through the setting.
TOML = BASE_TOML.replace('engine = "espeak"', 'engine = "local"\nworkers = 2').replace(
    'language = "es"', 'language = "es"\nengine = "espeak"'
)


def with_workers(toml: str, workers: str) -> str:
    return toml.replace("workers = 2", f"workers = {workers}")


def manifest(cfg: Config) -> dict[str, Any]:
    out = cfg.project.output.resolve()
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {f"{r['locale']}/{r['id']}": r for r in data["prompts"]}


def processes() -> dict[int, tuple[str, int, int]]:
    """Every live process: pid -> (state, parent pid, session id), read from /proc."""
    found: dict[int, tuple[str, int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        found[int(entry.name)] = (fields[0], int(fields[1]), int(fields[3]))
    return found


def maps(pid: int) -> str:
    """What a process has mapped (its loaded libraries); empty once it has ended."""
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


def descendants(root: int) -> set[int]:
    table = processes()
    out: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {p for p, (state, ppid, _) in table.items() if ppid in frontier and state != "Z"}
        out |= frontier
    return out


def wait_for(what: str, condition: object, timeout: float = 60.0) -> None:
    assert callable(condition)
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"gave up waiting for {what}"
        time.sleep(0.05)


# `ivr-prompts` with SIGINT at its default, as a terminal starts it: a test runner started in the
# background (`cmd &` in a script) has SIGINT ignored, every child inherits that, and a build that
# ignores Ctrl-C (as a background job should) then runs to the end.
AS_FROM_A_TERMINAL = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, '-m', 'ivr_prompts', *sys.argv[1:]])"
)


def test_workers_for_auto_pools_piper_per_core_and_keeps_espeak_in_process() -> None:
    assert workers_for("piper", "auto", cores=16) == 16
    assert workers_for("espeak", "auto", cores=16) == 1
    assert workers_for("piper", 1) == workers_for("espeak", 1) == 1
    assert workers_for("espeak", 3) == 3
    assert workers_for("piper", "auto") == len(os.sched_getaffinity(0))


def test_default_factory_workers_setting_chooses_pool_or_in_process(
    make_project: Project,
) -> None:
    pooled = config.load(make_project(TOML))
    piper, espeak = default_factory("piper", pooled), default_factory("espeak", pooled)
    assert isinstance(piper, PooledEngine)
    assert isinstance(espeak, PooledEngine)
    assert (piper.max_concurrency, espeak.max_concurrency) == (2, 2)
    single = config.load(make_project(with_workers(TOML, "1")))
    assert isinstance(default_factory("piper", single), PiperEngine)
    assert isinstance(default_factory("espeak", single), EspeakEngine)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", 'must be "auto" or a whole number from 1 to 256, got 0'),
        ("257", 'must be "auto" or a whole number from 1 to 256, got 257'),
        ('"many"', "must be \"auto\" or a whole number from 1 to 256, got 'many'"),
        ("2.5", "expected str or int, got 2.5"),
        ("true", "expected str or int, got True"),
    ],
)
def test_load_bad_workers_one_line_error(make_project: Project, value: str, message: str) -> None:
    path = make_project(with_workers(TOML, value))
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert info.value.problems == [f"prompts.toml: synth.workers: {message}"]
    result = run_cli("build", "--config", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith(f"synth.workers: {message}")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_build_damaged_piper_voice_one_line_error(make_project: Project, workers: str) -> None:
    from ivr_prompts.engines.local import find_voice

    installed = find_voice(None, "en", "en-US")
    assert installed is not None
    path = make_project(
        with_workers(TOML, workers).replace(
            'engine = "local"', 'engine = "local"\npiper_voice = "v/cut.onnx"'
        )
    )
    voice = path.parent / "v" / "cut.onnx"
    voice.parent.mkdir()
    voice.write_bytes(installed.model.read_bytes()[:100_000])  # a download cut short
    voice.with_suffix(".onnx.json").write_bytes(installed.config.read_bytes())
    result = run_cli("build", "--config", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: piper voice {voice} cannot be loaded (InvalidProtobuf: ")
    assert last.endswith(
        "set synth.piper_voice to a working .onnx voice (with its .onnx.json beside it)"
    )
    assert not (path.parent / "dist").exists()


def test_build_one_and_two_workers_same_keys_and_cache_serves_both(
    make_project: Project, tmp_path: Path
) -> None:
    pooled = config.load(make_project(TOML))
    report = asyncio.run(builder.build(pooled))
    assert report.synthesized == 8
    second = tmp_path / "single"
    second.mkdir()
    for name in ("templates", "pron"):
        os.symlink(tmp_path / name, second / name)
    (second / "prompts.toml").write_text(with_workers(TOML, "1"), encoding="utf-8")
    single = config.load(second / "prompts.toml")
    assert asyncio.run(builder.build(single)).synthesized == 8
    two, one = manifest(pooled), manifest(single)
    assert sorted(two) == sorted(one)
    # Neither engine speaks the same bytes twice (Piper samples its durations, espeak-ng
    # draws its jitter from a sequence that runs on per process), so fresh syntheses cannot
    # match; what must match is every key, and so what a shared cache serves.
    for name, record in two.items():
        assert (record["synth_key"], record["cache_key"]) == (
            one[name]["synth_key"],
            one[name]["cache_key"],
        )
    # The single-process build over the pooled build's cache: nothing spoken, same files.
    (second / "prompts.toml").write_text(
        with_workers(TOML, "1")
        .replace('cache = "cache"', f'cache = "{tmp_path / "cache"}"')
        .replace('output = "dist"', 'output = "fresh"'),
        encoding="utf-8",
    )
    shared = config.load(second / "prompts.toml")
    assert asyncio.run(builder.build(shared)).synthesized == 0
    digests = {n: [f["sha256"] for f in r["files"]] for n, r in manifest(shared).items()}
    assert digests == {n: [f["sha256"] for f in r["files"]] for n, r in two.items()}


class KillingEngine(WrappedEspeak):
    """espeak-ng that kills its own process (SIGKILL, as the OOM killer does) on "Goodbye"."""

    def _speak(self, request: SynthesisRequest) -> Synthesis:
        if "Goodbye" in request.text:
            os.kill(os.getpid(), signal.SIGKILL)
        return self.inner._speak(request)


KILLER = (
    BASE_TOML
    + """
[[prompts]]
id = "main/bye"
text = "Goodbye."
locales = ["en-US"]
"""
)


def test_build_prompt_killing_its_worker_fails_alone_and_publishes_nothing(
    make_project: Project,
) -> None:
    cfg = config.load(make_project(KILLER))

    def factory(name: ResolvedEngine, cfg: Config) -> Engine:
        return PooledEngine(KillingEngine, 1)  # one worker: nothing else is caught with it

    with pytest.raises(BuildFailed) as info:
        asyncio.run(builder.build(cfg, engines=Engines(cfg, factory)))
    assert info.value.failures == [
        "main/bye [en-US]: a worker process of espeak died twice while speaking it (killed, or "
        "out of memory: each worker holds its own model); run the build again, or lower "
        "[synth] workers"
    ]
    assert not cfg.project.output.exists()
    # Every other prompt was spoken and cached: the next build only speaks the one that failed.
    again = config.load(make_project(BASE_TOML))
    assert asyncio.run(builder.build(again)).synthesized == 0


def test_build_worker_killed_from_outside_is_replaced_and_build_publishes(
    make_project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = config.load(make_project(TOML))
    killed: list[int] = []

    def kill_first_worker() -> None:
        # The pool's workers are the forkserver's children, so grandchildren of this process.
        # A Piper worker (onnxruntime mapped) is busy for seconds: loading, then speaking its
        # share; an espeak-ng worker may already be idle, and killing it would test nothing.
        def worker() -> int | None:
            table = processes()
            ours = {p for p, (_, ppid, _) in table.items() if ppid == os.getpid()}
            for pid, (state, ppid, _) in table.items():
                if ppid in ours and state != "Z" and "onnxruntime" in maps(pid):
                    return pid
            return None

        wait_for("a Piper worker process", lambda: worker() is not None)
        pid = worker()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    watcher = threading.Thread(target=kill_first_worker)
    watcher.start()
    with caplog.at_level(logging.WARNING, logger="ivr_prompts.engines.pool"):
        report = asyncio.run(builder.build(cfg))
    watcher.join()
    assert killed
    assert report.published
    assert report.synthesized == 8
    assert len(manifest(cfg)) == 8
    assert any("died; speaking" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("how", ["terminal-ctrl-c", "sigint-to-build", "sigkill-to-build"], ids=str)
def test_cli_build_interrupted_leaves_no_worker_process(make_project: Project, how: str) -> None:
    path = make_project(TOML)
    build = subprocess.Popen(
        [sys.executable, "-c", AS_FROM_A_TERMINAL, "build", "--config", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own session: everything it starts is found by the id
    )
    try:
        # Workers are grandchildren (children of the forkserver): wait until one speaks.
        wait_for("worker processes", lambda: len(descendants(build.pid)) >= 3)
        if how == "terminal-ctrl-c":
            os.killpg(build.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        else:
            os.kill(build.pid, signal.SIGINT if how == "sigint-to-build" else signal.SIGKILL)
        _, stderr = build.communicate(timeout=120)
    finally:
        if build.poll() is None:
            os.killpg(build.pid, signal.SIGKILL)
            build.wait()
    assert build.returncode == (-9 if how == "sigkill-to-build" else 130), stderr
    assert "Traceback" not in stderr
    assert not (path.parent / "dist").exists()

    def left() -> list[int]:
        return [p for p, (s, _, sid) in processes().items() if sid == build.pid and s != "Z"]

    wait_for("the build's processes to end", lambda: not left(), timeout=30)


def test_a_workers_stderr_goes_quiet_once_its_build_has_ended_even_unreaped() -> None:
    """What a worker writes passes while its build lives; once the build is gone (here a
    SIGKILLed process its parent has not reaped yet: a zombie, as a killed build is while the
    terminal still reads its pipe) it is dropped, so no traceback reaches the terminal."""
    build = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        sink = io.StringIO()
        stderr = pool._WhileAlive(sink, pool._Build(build.pid))
        stderr.write("while alive\n")
        build.send_signal(signal.SIGKILL)
        wait_for("the build to end", lambda: pool._Build(build.pid).ended())
        stderr.write("Traceback (most recent call last):\n")
        assert sink.getvalue() == "while alive\n"
    finally:
        build.kill()
        build.wait()
