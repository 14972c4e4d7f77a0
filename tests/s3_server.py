"""A real S3 API server on loopback for tests: moto's server app, counting requests served."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class S3Server:
    """moto in server mode on 127.0.0.1 (a free port); `requests` lists (method, path) served.
    `put_delay` (s) makes every PUT that slow: a remote slower than the build."""

    def __init__(self, put_delay: float = 0.0) -> None:
        self.requests: list[tuple[str, str]] = []
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        self._lock = threading.Lock()
        app = DomainDispatcherApplication(create_backend_app)

        def counting(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
            with self._lock:
                self.requests.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
            if put_delay and environ["REQUEST_METHOD"] == "PUT":
                time.sleep(put_delay)
            result: Iterable[bytes] = app(environ, start_response)
            return result

        self._server = make_server(
            "127.0.0.1", 0, counting, threaded=True, request_handler=MotoRequestHandler
        )
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> S3Server:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()

    def count(self, method: str | None = None) -> int:
        with self._lock:
            return sum(1 for m, _ in self.requests if method is None or m == method)
