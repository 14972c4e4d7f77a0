"""Cache keys (pure) and content-addressed stores: local, and remote (S3) under it.

Every entry is bound to its kind and key and verified on read, wherever it was stored.
"""

from __future__ import annotations

from ..config import ProjectSettings
from ..versions import SCHEMA_VERSION
from .entry import AudioEntry, InvalidEntry, decode, encode
from .keys import Kind, entry_name, make_key
from .layered import LayeredCache, RemoteStats
from .local import Cache
from .remote import RemoteCache, RemoteCacheError, RemoteUnreachable

__all__ = [
    "SCHEMA_VERSION",
    "AudioEntry",
    "Cache",
    "InvalidEntry",
    "Kind",
    "LayeredCache",
    "RemoteCache",
    "RemoteCacheError",
    "RemoteStats",
    "RemoteUnreachable",
    "decode",
    "encode",
    "entry_name",
    "make_key",
    "open_cache",
]


def open_cache(
    project: ProjectSettings,
    *,
    remote: bool = True,
    read_only: bool = False,
    required: bool = False,
) -> LayeredCache:
    """The project's cache; `remote=False` (--no-remote) never contacts the remote one.

    `read_only` (--remote-read-only) or remote_cache_mode = "read-only" reads the remote cache
    and never writes to it. `required` (or remote_cache_required = true) fails instead of going
    on without an unreachable remote cache.
    """
    url = project.remote_cache if remote else None
    return LayeredCache(
        Cache(project.cache),
        RemoteCache(url) if url else None,
        read_only=read_only or project.remote_cache_mode == "read-only",
        required=required or project.remote_cache_required,
    )
