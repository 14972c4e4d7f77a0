"""A real FreeSWITCH 1.10.12 for the tests: unpacked from `<repo>/../shared/pbx/`, configured from
the tarball's own minimal `conf/freeswitch.xml` (event socket on 127.0.0.1, a free port), every
directory in a scratch folder, stopped by PID.

Calls are loopback calls: `originate loopback/play/default &record(...)` makes the B-leg run the
dialplan extension `play` (answer, 600 ms, `playback ${play_file}`, 400 ms, hang up) while the
A-leg records what arrives after the codec. The codec of a loopback call is the global
`loopback_initial_codec` at the moment it is created (inside originate's `{}` it is ignored).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from .pbx import FREESWITCH_TARBALL, free_port, stop_process, unpack, wait_until

PASSWORD = "ClueCon"


class EventSocket:
    """A minimal inbound event-socket client: `api` commands, one at a time."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buffer = b""
        try:
            self._read()  # auth/request
            self.sock.sendall(f"auth {PASSWORD}\n\n".encode())
            reply = self._read()
        except OSError:
            self.close()
            raise
        if "+OK" not in reply[0].get("Reply-Text", ""):
            self.close()
            raise RuntimeError(f"event socket refused the password: {reply[0]}")

    def _read(self) -> tuple[dict[str, str], str]:
        while b"\n\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("event socket closed")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\n\n", 1)
        headers = dict(line.split(": ", 1) for line in head.decode().splitlines() if ": " in line)
        length = int(headers.get("Content-Length", "0"))
        while len(self.buffer) < length:
            self.buffer += self.sock.recv(65536)
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return headers, body.decode(errors="replace")

    def api(self, command: str) -> str:
        self.sock.sendall(f"api {command}\n\n".encode())
        while True:
            headers, body = self._read()
            if headers.get("Content-Type") == "api/response":
                return body

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class FreeSwitch:
    """One FreeSWITCH process whose sound prefix is a published voice folder."""

    def __init__(self, install: Path, state: Path, dist: Path, voice: str, phrases: str) -> None:
        self.install, self.state = install, state
        self.port = free_port()
        self.dirs = {n: state / n for n in ("conf", "log", "db", "run", "temp")}
        for path in self.dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        template = (install / "conf" / "freeswitch.xml").read_text()
        conf = (
            template.replace("@ESL_PORT@", str(self.port))
            .replace("@DIST@", str(dist.resolve()))
            .replace("@VOICE@", voice)
            .replace("@PHRASE_GLOB@", phrases)
            # Two sessions a loopback call, all calls at once: room for 100 calls.
            .replace('"max-sessions" value="50"', '"max-sessions" value="200"')
            .replace('"sessions-per-second" value="50"', '"sessions-per-second" value="1000"')
        )
        (self.dirs["conf"] / "freeswitch.xml").write_text(conf)
        self.out = state / "freeswitch.out"
        self.proc: subprocess.Popen[bytes] | None = None
        self.esl: EventSocket | None = None

    def start(self, timeout: float = 30.0) -> FreeSwitch:
        d = self.dirs
        args = [str(self.install / "bin/freeswitch"), "-nonat", "-nc", "-nf"]
        args += ["-base", str(self.install), "-conf", str(d["conf"]), "-log", str(d["log"])]
        args += ["-db", str(d["db"]), "-run", str(d["run"]), "-temp", str(d["temp"])]
        args += ["-mod", str(self.install / "mod")]
        with self.out.open("wb") as out:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
            )
        wait_until("FreeSWITCH event socket", self._connect, timeout, self.out)
        return self

    def _connect(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"FreeSWITCH exited ({self.proc.returncode}): {self.log_text()}")
        try:
            esl = EventSocket(self.port)
        except OSError:
            return False
        if "FreeSWITCH Version 1.10.12" not in esl.api("version"):
            esl.close()
            return False
        self.esl = esl
        return True

    def api(self, command: str) -> str:
        assert self.esl is not None
        return self.esl.api(command)

    def log_text(self) -> str:
        log = self.dirs["log"] / "freeswitch.log"
        text = self.out.read_text(errors="replace") if self.out.exists() else ""
        return text + (log.read_text(errors="replace") if log.exists() else "")

    def call(
        self, codec: str, play: str, out: Path, extension: str = "play", prefix: Path | None = None
    ) -> str:
        """Start one loopback call with `codec` (e.g. `L16@16000h@20i`, `PCMU@8000h@20i`) whose
        far end plays `play` (a playback argument; `extension` "phrase": a phrase macro), with
        `prefix` as its sound_prefix, while this end records into `out`; returns the call's
        uuid once answered."""
        self.api(f"global_setvar loopback_initial_codec={codec}")
        var = "play_phrase" if extension == "phrase" else "play_file"
        # RECORD_READ_ONLY: the recording is what this end reads (what a caller hears), not a
        # mix with what it writes (nothing), whose buffer can fall behind under load.
        variables = f"RECORD_READ_ONLY=true,{var}='{play}'"
        variables += f",sound_prefix='{prefix}'" if prefix else ""
        reply = self.api(
            f"originate {{{variables}}}loopback/{extension}/default &record({out})"
        ).strip()
        if not reply.startswith("+OK"):
            raise RuntimeError(f"originate failed: {reply}")
        return reply.split(" ", 1)[1]

    def wait_ended(self, uuids: list[str], timeout: float) -> None:
        """Until no call in `uuids` exists (`show channels count` lags: poll uuid_exists)."""
        wait_until(
            "the FreeSWITCH calls to end",
            lambda: all(self.api(f"uuid_exists {u}").strip() == "false" for u in uuids),
            timeout,
        )
        time.sleep(0.2)  # the recording is closed as the A-leg hangs up

    def stop(self) -> None:
        if self.esl is not None:
            with contextlib.suppress(OSError, ConnectionError):
                self.esl.sock.sendall(b"api fsctl shutdown\n\n")
            self.esl.close()
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
            stop_process(self.proc)


@contextlib.contextmanager
def freeswitch(
    scratch: Path, dist: Path, voice: str, phrases: str = "/dev/null"
) -> Iterator[FreeSwitch]:
    """A running FreeSWITCH in `scratch` playing `dist`'s en/us/<voice> set, stopped by PID."""
    install = unpack(FREESWITCH_TARBALL, scratch / "install").resolve()
    pbx = FreeSwitch(install, scratch / "state", dist, voice, phrases)
    try:
        yield pbx.start()
    finally:
        pbx.stop()
