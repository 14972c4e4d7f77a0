"""The Waves stand-in server (tests/waves_server.py) in its own process, so its CPU work does not
share the benchmarked process's GIL."""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

API_KEY = "sk_bench_0123456789abcdef"


@dataclass
class ServerStats:
    """What the server saw, summarised when it stops."""

    tts_requests: int = 0
    # Distinct request bodies answered 200: what was synthesized, each text and voice once.
    distinct_ok: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    max_in_flight: int = 0
    over_limit: int = 0
    busy_s: float = 0.0  # summed time the admitted TTS requests were in the server
    span_s: float = 0.0  # first TTS request's arrival to the last one's answer
    # Each admitted TTS attempt: the prompt piece's request_id, arrival, end of answer.
    attempts: list[tuple[str, float, float]] = field(default_factory=list)
    nominal_s: float = 0.0  # the latency knobs' time for every good answer, once per piece


@dataclass
class RunningServer:
    url: str
    stats: ServerStats = field(default_factory=ServerStats)


def _serve(conn: multiprocessing.connection.Connection, knobs: dict[str, Any]) -> None:
    import socketserver

    from tests.waves_server import WavesServer

    # socketserver listens with a backlog of 5: a burst of connections then waits for SYN
    # retransmits (1 s, 3 s, ...), which a real API front end does not make clients do. This
    # process only serves benchmarks, so widen it here.
    socketserver.TCPServer.request_queue_size = 1024

    with WavesServer(api_key=API_KEY, **knobs) as server:
        conn.send(server.url)
        conn.recv()  # stop
        records = server.tts_records()
        done = [r for r in records if r.finished > 0 and r.status != 0]
        admitted = [r for r in done if r.in_flight <= server.concurrency]
        conn.send(
            {
                "tts_requests": len(records),
                "distinct_ok": len({_unit(r.body) for r in records if r.status == 200}),
                "statuses": dict(Counter(r.status for r in records)),
                "faults": dict(Counter(r.fault for r in records if r.fault)),
                "max_in_flight": server.max_in_flight,
                "over_limit": server.over_limit,
                "busy_s": sum(r.finished - r.started for r in admitted),
                "span_s": (
                    max(r.finished for r in done) - min(r.started for r in done) if done else 0.0
                ),
                "attempts": [(_piece(r.body), r.started, r.finished) for r in admitted],
                "nominal_s": sum(_nominal(r.body, knobs) for r in done if r.status == 200),
            }
        )


def _piece(body: Any) -> str:
    piece = body.get("request_id") if isinstance(body, dict) else None
    return piece if isinstance(piece, str) else ""


def _unit(body: Any) -> str:
    """What a TTS request asks for (text, voice, settings), without its per-attempt id."""
    if not isinstance(body, dict):
        return repr(body)
    return json.dumps({k: v for k, v in body.items() if k != "request_id"}, sort_keys=True)


def _nominal(body: Any, knobs: dict[str, Any]) -> float:
    text = body.get("text") if isinstance(body, dict) else None
    per_char = float(knobs.get("latency_per_char", 0.0))
    return float(knobs.get("latency", 0.0)) + per_char * len(text if isinstance(text, str) else "")


@contextmanager
def waves_server(**knobs: Any) -> Iterator[RunningServer]:
    """Start the stand-in in a child process; `stats` is filled in when the block exits."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(child, knobs), daemon=True)
    proc.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the Waves stand-in server did not start within 60 s")
        running = RunningServer(str(parent.recv()))
        yield running
        parent.send("stop")
        data = parent.recv()
        running.stats = ServerStats(**data)
    finally:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()
            proc.join()
