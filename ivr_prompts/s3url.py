"""The one reader of s3://bucket/prefix addresses (project.remote_cache, publish.upload).

Bucket names follow S3's rules (3-63 of a-z 0-9 . -, starting and ending with a letter or digit);
the prefix may not hold ?, #, @ or spaces (a query, a fragment or credentials have no place in it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_URL = re.compile(r"s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<prefix>[^?#@\s]*))?")
EXPECTED = "expected s3://bucket or s3://bucket/prefix (bucket: 3-63 of a-z 0-9 . -)"


@dataclass(frozen=True)
class S3Url:
    url: str  # as written, without a trailing "/"
    bucket: str
    prefix: str  # "" or ending in "/"

    def key(self, relative: str) -> str:
        return f"{self.prefix}{relative}"

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


def parse(url: str) -> S3Url | None:
    """The bucket and prefix of an s3:// address; None when it is not one."""
    found = _URL.fullmatch(url)
    if found is None:
        return None
    prefix = (found.group("prefix") or "").strip("/")
    return S3Url(url.rstrip("/"), found.group("bucket"), f"{prefix}/" if prefix else "")


def problem(url: str) -> str | None:
    """Why `url` is not an s3://bucket/prefix address (None when it is); never echoes it: a
    wrong URL may hold credentials."""
    if parse(url) is not None:
        return None
    if "@" in url:
        return "credentials never go in the URL; they come from the AWS credential chain"
    return EXPECTED
