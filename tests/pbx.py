"""A real Asterisk 22 for the tests: unpacked from `<repo>/../shared/pbx/`, configured in a scratch
folder, on loopback only, stopped by PID.

The binaries are the ones `../shared/pbx/README.md` describes (built from upstream source for
Debian 12 x86-64, relocatable). The harness writes every configuration file itself: all
directories point into the scratch folder, the manager listens on 127.0.0.1 on a free port, and
the sounds folder is a symlink to a published `dist/asterisk`. FreeSWITCH is in pbx_freeswitch.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pbx_dirs() -> list[Path]:
    """Where the PBX tarballs may be: `<repo>/../shared/pbx` (CI clones the repository beside a
    copy of `shared/`), and for a git worktree the same beside its main checkout."""
    override = os.environ.get("IVR_PROMPTS_PBX_DIR")  # e.g. a rebuild for another CPU
    dirs = [Path(override)] if override else []
    dirs.append(ROOT.parent / "shared" / "pbx")
    dotgit = ROOT / ".git"
    if dotgit.is_file():  # a worktree: "gitdir: <main>/.git/worktrees/<name>"
        gitdir = Path(dotgit.read_text().partition("gitdir:")[2].strip())
        main = gitdir.parent.parent.parent if gitdir.parent.name == "worktrees" else None
        if main is not None:
            dirs.append(main.parent / "shared" / "pbx")
    # Last: our own build of the same Asterisk for any x86-64 CPU (tests/fixtures/pbx/README.md),
    # for machines where the shared one dies of SIGILL (it was built for AVX-512).
    dirs.append(ROOT / "tests" / "fixtures" / "pbx")
    return dirs


ASTERISK_TARBALL = "asterisk-22.10.1-bin.tar.xz"
FREESWITCH_TARBALL = "freeswitch-1.10.12-bin.tar.xz"

ASTERISK_MODULES = [
    "format_pcm",
    "format_wav",
    "format_sln",
    "codec_ulaw",
    "codec_alaw",
    "codec_a_mu",
    "codec_g722",
    "codec_resample",
    "app_playback",
    "app_record",
    "app_verbose",
    "app_echo",
    "func_channel",
    "func_logic",
    "func_strings",
    "pbx_config",
    "res_clioriginate",
    "res_convert",
    "res_timing_timerfd",
    "res_sorcery_config",
    "res_sorcery_memory",
    "res_sorcery_astdb",
]
_AMI_USER, _AMI_SECRET = "ivrtest", "ivrtest-secret"


class PbxMissing(RuntimeError):
    """The PBX tarball is not where the tests look for it."""


def tarball(name: str) -> Path:
    """A PBX tarball from `<repo>/../shared/pbx/`, or a clear error naming where it should be."""
    for folder in pbx_dirs():
        if (folder / name).is_file():
            return folder / name
    where = " or ".join(str(d) for d in pbx_dirs())
    raise PbxMissing(
        f"{name} is missing from {where}: the real-PBX tests need a copy of the shared folder "
        "beside the repository (../shared/pbx/); CI puts it there"
    )


def asterisk_install(into: Path) -> Path:
    """An unpacked Asterisk that runs on this CPU: the first of `pbx_dirs()` whose binary does
    not die of SIGILL; PbxMissing naming each one tried when none can run here."""
    tried: list[str] = []
    for number, folder in enumerate(pbx_dirs()):
        if not (folder / ASTERISK_TARBALL).is_file():
            continue
        install = unpack_from(folder / ASTERISK_TARBALL, into / str(number)).resolve()
        if runs_here(install):
            return install
        tried.append(f"{folder / ASTERISK_TARBALL} (SIGILL: built for instructions this CPU lacks)")
    if not tried:
        tarball(ASTERISK_TARBALL)  # raises, naming where it looked
    raise PbxMissing(f"no Asterisk that runs on this CPU: {'; '.join(tried)}")


def runs_here(install: Path) -> bool:
    """False when this CPU cannot run the binary: a build for instructions it lacks dies of
    SIGILL as soon as it reads its configuration (an empty one here; it then finds no server)."""
    probe = subprocess.run(
        [str(install / "sbin/asterisk"), "-C", os.devnull, "-rx", "core show version"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env={**os.environ, "LD_LIBRARY_PATH": str(install / "lib")},
        timeout=60,
        check=False,
    )
    return probe.returncode != -signal.SIGILL


def unpack(name: str, into: Path) -> Path:
    """Unpack a tarball into `into` once; the folder it holds."""
    return unpack_from(tarball(name), into)


def unpack_from(source: Path, into: Path) -> Path:
    """Unpack the tarball `source` into `into` once; the folder it holds."""
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source) as tar:
        top = tar.getnames()[0].split("/", 1)[0]
        if not (into / top).exists():
            tar.extractall(into, filter="tar")
    return into / top


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the PBX binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop one process we started, by its PID: SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


def wait_until(what: str, ready: object, timeout: float, log: Path | None = None) -> None:
    """Poll `ready()` until it is true, else fail naming what and the log's tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise TimeoutError(f"{what} not ready after {timeout:g} s\n{tail}")


@dataclass
class Ami:
    """A minimal Asterisk manager (AMI) client: one action at a time, events skipped."""

    port: int
    sock: socket.socket = field(init=False)
    buffer: bytes = b""

    def __post_init__(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=20)
        try:
            self.sock.recv(1024)  # the banner line
            reply = self.action("Login", Username=_AMI_USER, Secret=_AMI_SECRET, Events="off")
        except OSError:
            self.close()
            raise
        if reply.get("Response") != "Success":
            self.close()
            raise RuntimeError(f"AMI login refused: {reply}")

    def _message(self) -> dict[str, str]:
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("AMI connection closed")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        out: dict[str, str] = {}
        for line in raw.decode(errors="replace").split("\r\n"):
            key, _, value = line.partition(": ")
            out[key] = f"{out[key]}\n{value}" if key in out else value
        return out

    def action(self, name: str, *pairs: tuple[str, str], **fields: str) -> dict[str, str]:
        """Send one action (`pairs` for repeated headers); its response (events skipped)."""
        text = f"Action: {name}\r\nActionID: {name}\r\n"
        text += "".join(f"{k}: {v}\r\n" for k, v in [*pairs, *fields.items()])
        self.sock.sendall((text + "\r\n").encode())
        while True:
            message = self._message()
            if "Response" in message and message.get("ActionID") == name:
                return message

    def command(self, cli: str) -> str:
        """A CLI command's output (AMI `Command`)."""
        return self.action("Command", Command=cli).get("Output", "")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def _asterisk_conf(install: Path, state: Path) -> str:
    dirs = {
        "astetcdir": state / "etc",
        "astmoddir": install / "lib/asterisk/modules",
        "astvarlibdir": state / "varlib",
        "astdbdir": state / "db",
        "astkeydir": state / "keys",
        "astdatadir": state / "data",
        "astagidir": state / "agi",
        "astspooldir": state / "spool",
        "astrundir": state / "run",
        "astlogdir": state / "log",
        "astsbindir": install / "sbin",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    lines = ["[directories]", *(f"{k} => {v}" for k, v in dirs.items())]
    lines += ["[options]", "verbose = 3", "nocolor = yes", "transcode_via_sln = yes"]
    return "\n".join(lines) + "\n"


PLAY_CONTEXT = """
[play]
exten => s,1,Answer()
 same => n,Set(CHANNEL(language)=${LANG})
 same => n,Wait(0.3)
 same => n,Playback(${FILES})
 same => n,Wait(0.3)
 same => n,Hangup()

[play-default]
exten => s,1,Answer()
 same => n,Wait(0.3)
 same => n,Playback(${FILES})
 same => n,Wait(0.3)
 same => n,Hangup()
"""


class Asterisk:
    """One Asterisk process with its sounds folder pointed at a published `dist/asterisk`."""

    def __init__(self, install: Path, state: Path, sounds: Path) -> None:
        self.install, self.state = install, state
        self.conf = state / "etc" / "asterisk.conf"
        self.port = free_port()
        self.log = state / "asterisk.out"
        self.proc: subprocess.Popen[bytes] | None = None
        self.ami: Ami | None = None
        self._configure(sounds)

    def _configure(self, sounds: Path) -> None:
        (self.state / "etc").mkdir(parents=True, exist_ok=True)
        self.conf.write_text(_asterisk_conf(self.install, self.state))
        etc = self.state / "etc"
        general = "[general]\n"
        files = {
            "modules.conf": "[modules]\nautoload = no\n"
            + "".join(f"load => {m}.so\n" for m in ASTERISK_MODULES),
            "manager.conf": f"[general]\nenabled = yes\nport = {self.port}\n"
            f"bindaddr = 127.0.0.1\n\n[{_AMI_USER}]\nsecret = {_AMI_SECRET}\n"
            "deny = 0.0.0.0/0.0.0.0\npermit = 127.0.0.1/255.255.255.255\n"
            "read = all\nwrite = all\n",
            "logger.conf": "[general]\n[logfiles]\nmessages.log => notice,warning,error\n",
            "extensions.conf": "[general]\n" + PLAY_CONTEXT,
            "acl.conf": "",
            **{f"{n}.conf": general for n in ("ccss", "cdr", "cel", "features", "udptl")},
        }
        for name, text in files.items():
            (etc / name).write_text(text)
        data = self.state / "data"
        self.set_sounds(sounds)
        docs = data / "documentation"
        if not docs.exists():
            docs.symlink_to(self.install / "var/lib/asterisk/documentation")

    def set_sounds(self, sounds: Path) -> None:
        """Point `<astdatadir>/sounds` at a published folder (takes effect on the next Playback)."""
        link = self.state / "data" / "sounds"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(sounds.resolve())

    def start(self, timeout: float = 30.0) -> Asterisk:
        env = {**os.environ, "LD_LIBRARY_PATH": str(self.install / "lib")}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(self.install / "sbin/asterisk"), "-C", str(self.conf), "-f", "-n", "-q"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        wait_until("Asterisk manager", self._connect, timeout, self.log)
        return self

    def _connect(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            code = self.proc.returncode
            why = (
                " (SIGILL: the binary uses CPU instructions this machine lacks, e.g. AVX-512; "
                "rebuild it without BUILD_NATIVE and point IVR_PROMPTS_PBX_DIR at it)"
                if code == -signal.SIGILL
                else ""
            )
            raise RuntimeError(f"Asterisk exited ({code}){why}: {self.log_text()}")
        try:
            ami = Ami(self.port)
        except (OSError, RuntimeError):
            return False
        if "Asterisk 22" not in ami.command("core show version"):
            ami.close()
            return False
        self.ami = ami
        return True

    def log_text(self) -> str:
        messages = self.state / "log" / "messages.log"
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text + (messages.read_text(errors="replace") if messages.exists() else "")

    def stop(self) -> None:
        if self.ami is not None:
            self.ami.close()
        if self.proc is not None:
            stop_process(self.proc)

    def originate(self, language: str | None, names: Sequence[str], out: Path, codec: str) -> None:
        """One call: the far end plays `names` in `language` (None: the channel's default),
        this end records into `out` (`.sln` records 8 kHz, `.sln16` 16 kHz). `codec` is the
        Local channel's only codec."""
        assert self.ami is not None
        reply = self.ami.action(
            "Originate",
            ("Variable", f"LANG={language}"),
            ("Variable", f"FILES={'&'.join(names)}"),
            Channel="Local/s@play" if language else "Local/s@play-default",
            Application="Record",
            Data=f"{out},0,300,qk",
            Codecs=codec,
            Async="true",
        )
        if reply.get("Response") != "Success":
            raise RuntimeError(f"Originate refused: {reply}")

    def channels(self) -> int:
        assert self.ami is not None
        out = self.ami.command("core show channels count")
        words = out.split()
        return int(words[words.index("active") - 1]) if "active" in words else -1

    def wait_idle(self, timeout: float) -> None:
        time.sleep(0.5)
        wait_until("the calls to end", lambda: self.channels() == 0, timeout, None)


@contextlib.contextmanager
def asterisk(scratch: Path, sounds: Path) -> Iterator[Asterisk]:
    """A running Asterisk in `scratch`, stopped by PID on exit."""
    install = asterisk_install(scratch / "install")
    pbx = Asterisk(install, scratch / "state", sounds)
    try:
        yield pbx.start()
    finally:
        pbx.stop()
        shutil.rmtree(scratch / "state" / "run", ignore_errors=True)
