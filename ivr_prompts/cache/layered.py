"""The local cache with an optional remote one under it: read-through, write-back."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from .entry import AudioEntry, InvalidEntry, decode
from .keys import Kind
from .local import Cache
from .remote import RemoteCache, RemoteCacheError, RemoteUnreachable

log = logging.getLogger(__name__)

# Remote requests in flight at once (lookups while planning, uploads while building).
REMOTE_WORKERS = 16
# Uploads queued or under way at once. `put` waits past this, so a remote slower than the build
# holds back the build instead of holding every entry made since in memory.
MAX_PENDING_UPLOADS = 4 * REMOTE_WORKERS


@dataclass
class RemoteStats:
    """What the remote cache did in one build."""

    lookups: int = 0
    downloaded: int = 0
    uploaded: int = 0
    rejected: int = 0


class LayeredCache:
    """Reads the local cache, then the remote; writes both (the remote in the background).

    The remote is contacted only when the local cache misses, so a no-op build never reaches
    it. An unreachable remote degrades to local-only with a warning unless `required`.
    """

    def __init__(
        self,
        local: Cache,
        remote: RemoteCache | None = None,
        *,
        read_only: bool = False,
        required: bool = False,
    ) -> None:
        self.local = local
        self.remote = remote
        self.read_only = read_only
        self.required = required
        self.stats = RemoteStats()
        self._lock = threading.Lock()
        self._state = "unopened" if remote is not None else "off"
        self._bad: set[tuple[Kind, str]] = set()
        self._pending = 0
        self._settled = threading.Condition(self._lock)
        self._crashed: BaseException | None = None
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._failure: RemoteCacheError | None = None

    @property
    def root(self) -> str:
        return str(self.local.root)

    def has(self, kind: Kind, key: str) -> bool:
        return key in self.present(kind, [key])

    def present(self, kind: Kind, keys: Iterable[str]) -> set[str]:
        """The keys held locally or remotely (remote lookups run in parallel)."""
        wanted = list(dict.fromkeys(keys))
        found = {k for k in wanted if self.local.has(kind, k)}
        rest = [k for k in wanted if k not in found]
        remote = self._remote() if rest else None
        if remote is None:
            return found
        pool = self._workers()
        futures = {k: pool.submit(remote.exists, kind, k) for k in rest}
        for key, future in futures.items():
            try:
                if future.result():
                    found.add(key)
            except RemoteCacheError as exc:
                self._lost(exc)
                break
        self.stats.lookups += len(rest)
        return found

    def get(self, kind: Kind, key: str) -> AudioEntry | None:
        """The verified entry from the local cache, else from the remote (then kept locally)."""
        entry = self.local.get(kind, key)
        if entry is not None:
            return entry
        remote = self._remote()
        if remote is None:
            return None
        try:
            blob = remote.get_blob(kind, key)
        except RemoteCacheError as exc:
            self._lost(exc)
            return None
        if blob is None:
            return None
        try:
            entry = decode(blob, kind, key)
        except InvalidEntry as exc:
            # Never used; replaced by what this build makes (see put).
            log.warning(
                "remote cache object %s %s; ignoring it, it will be replaced",
                remote.object_url(kind, key),
                exc.reason,
            )
            with self._lock:
                self._bad.add((kind, key))
                self.stats.rejected += 1
            return None
        self.local.put_blob(kind, key, blob)
        with self._lock:
            self.stats.downloaded += 1
        return entry

    def put(self, kind: Kind, key: str, entry: AudioEntry) -> None:
        """Store locally now; upload in the background (unless read-only or off)."""
        blob = self.local.put(kind, key, entry)
        if self.read_only:
            return
        remote = self._remote()
        if remote is None:
            return
        with self._lock:
            while self._pending >= MAX_PENDING_UPLOADS:
                self._settled.wait()
            replace = (kind, key) in self._bad
            self._bad.discard((kind, key))
            self._pending += 1
        try:
            upload = self._workers().submit(self._upload, kind, key, blob, replace)
        except BaseException:
            self._settle(None)
            raise
        upload.add_done_callback(self._settle)

    @property
    def pending_uploads(self) -> int:
        """Uploads queued or under way now."""
        with self._lock:
            return self._pending

    def _settle(self, upload: concurrent.futures.Future[None] | None) -> None:
        """One upload is over: count it, and keep what it raised (a bug) for `flush`."""
        crash = None
        if upload is not None and not upload.cancelled():
            crash = upload.exception()
        with self._lock:
            self._pending -= 1
            self._crashed = self._crashed or crash
            self._settled.notify_all()

    def _upload(self, kind: Kind, key: str, blob: bytes, replace: bool) -> None:
        remote = self._remote()
        if remote is None:
            return
        try:
            wrote = remote.put_blob(kind, key, blob, replace=replace)
        except RemoteUnreachable as exc:
            self._lost(exc, background=True)
            return
        except RemoteCacheError as exc:
            # Reads may still work (read-only credentials): only the uploads stop.
            with self._lock:
                if self.required:
                    self._failure = self._failure or exc
                elif not self.read_only:
                    log.warning("%s; uploads stop, reads go on", exc.message)
                self.read_only = True
            return
        if wrote:
            with self._lock:
                self.stats.uploaded += 1

    def flush(self) -> None:
        """Wait for the uploads; raise if the remote is required and failed."""
        with self._lock:
            while self._pending:
                self._settled.wait()
            crash, self._crashed = self._crashed, None
        if crash is not None:
            raise crash
        if self._failure is not None:
            raise self._failure

    def close(self) -> None:
        """Flush, then stop the remote workers."""
        try:
            self.flush()
        finally:
            with self._pool_lock:
                pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=True)
            if self.remote is not None and self._state == "open":
                s = self.stats
                log.info(
                    "remote cache %s: %d looked up, %d downloaded, %d uploaded, %d rejected",
                    self.remote.url,
                    s.lookups,
                    s.downloaded,
                    s.uploaded,
                    s.rejected,
                )

    def _workers(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    REMOTE_WORKERS, thread_name_prefix="ivr-remote"
                )
            return self._pool

    def _remote(self) -> RemoteCache | None:
        """The remote, opened (and checked) on first use; None when off or lost."""
        with self._lock:
            if self._state == "unopened" and self.remote is not None:
                try:
                    self.remote.probe()
                    self._state = "open"
                    log.info("remote cache %s: open", self.remote.url)
                except RemoteUnreachable as exc:
                    if self.required:
                        raise
                    self._degrade(exc)
            return self.remote if self._state == "open" else None

    def _lost(self, exc: RemoteCacheError, *, background: bool = False) -> None:
        """A remote failure during the build: fail (required) or go on with the local cache."""
        with self._lock:
            if self._state != "open":
                return
            if not self.required:
                self._degrade(exc)
                return
            self._state = "lost"
            if not background:
                raise exc
            self._failure = self._failure or exc

    def _degrade(self, exc: RemoteCacheError) -> None:
        self._state = "lost"
        log.warning(
            "%s; GOING ON WITHOUT IT, with the local cache only (misses are synthesized "
            "and paid for; set project.remote_cache_required = true to fail instead)",
            exc.message,
        )
