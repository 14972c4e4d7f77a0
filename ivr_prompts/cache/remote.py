"""The remote store: cache entries as objects under s3://bucket/prefix, through boto3.

boto3 is imported only when a remote cache is used. Every botocore exception is translated here,
where it enters: the rest of the program sees RemoteCacheError (one line, with the fix) or
RemoteUnreachable, never botocore.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import s3url, s3wait, secrets
from ..errors import UsageError
from .keys import Kind, entry_name

if TYPE_CHECKING:
    from botocore.client import BaseClient

log = logging.getLogger(__name__)

# Variables whose values are secrets wherever they show up (redaction goes by value).
SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
# The access key id is not a secret, but it names the account: hidden too.
_HIDDEN_VARIABLES = (*SECRET_VARIABLES, "AWS_ACCESS_KEY_ID")
_UNREACHABLE = ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError")
_MISSING = ("404", "NoSuchKey", "NotFound")
_DENIED = (
    "403",
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "AllAccessDisabled",
)
# A write-once put lost to (or raced with) another writer of the same key: the object is there.
_TAKEN = ("412", "PreconditionFailed", "409", "ConditionalRequestConflict")
# Stores without conditional writes refuse the header: fall back to a plain put (see put_blob).
_NO_CONDITIONS = ("501", "NotImplemented")


class RemoteCacheError(UsageError):
    """The remote cache cannot be used as configured (missing bucket, denied access...)."""


class RemoteUnreachable(RemoteCacheError):
    """The remote cache's endpoint did not answer."""


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Every AWS secret known to this process, for redaction by value."""
    env = os.environ if environ is None else environ
    found = {env[name] for name in _HIDDEN_VARIABLES if env.get(name)}
    # Plus what this process has learned (secrets.remember), from the credential chain too.
    return sorted(v for v in found.union(secrets.known()) if len(v) >= secrets.MIN_LENGTH)


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    for secret in secret_values(environ):
        text = text.replace(secret, "<hidden>")
    return text


@dataclass(frozen=True)
class Location:
    url: str
    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> Location:
        found = s3url.parse(url)
        if found is None:  # config.py checked it; this guards direct callers
            raise UsageError(f"remote cache {url!r}: expected s3://bucket or s3://bucket/prefix")
        return cls(found.url, found.bucket, found.prefix)


ClientFactory = Callable[[], "BaseClient"]


class RemoteCache:
    """Entries as objects <prefix><kind>/<ab>/<cdef...>: write-once, verified by the reader."""

    def __init__(self, url: str, *, client_factory: ClientFactory | None = None) -> None:
        self.location = Location.parse(url)
        self._factory = client_factory or _default_client
        self._client: BaseClient | None = None
        self._conditional = True

    @property
    def url(self) -> str:
        return self.location.url

    def object_url(self, kind: Kind, key: str) -> str:
        return f"s3://{self.location.bucket}/{self._name(kind, key)}"

    def _name(self, kind: Kind, key: str) -> str:
        return self.location.prefix + entry_name(kind, key)

    @property
    def client(self) -> BaseClient:
        if self._client is None:
            try:
                self._client = self._factory()
            except Exception as exc:
                raise self._translate(exc, "connect") from exc
        return self._client

    def probe(self) -> None:
        """Check that the bucket exists and these credentials may read it."""
        try:
            self.client.head_bucket(Bucket=self.location.bucket)
        except Exception as exc:
            raise self._translate(exc, "open", bucket_call=True) from exc

    def exists(self, kind: Kind, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.location.bucket, Key=self._name(kind, key))
        except Exception as exc:
            if _code(exc) in _MISSING:
                return False
            raise self._translate(exc, "look up") from exc
        return True

    def get_blob(self, kind: Kind, key: str) -> bytes | None:
        """The object's bytes, or None when there is none (the caller verifies them)."""
        try:
            answer = self.client.get_object(Bucket=self.location.bucket, Key=self._name(kind, key))
            blob: bytes = answer["Body"].read()
        except Exception as exc:
            if _code(exc) in _MISSING:
                return None
            raise self._translate(exc, "read") from exc
        return blob

    def put_blob(self, kind: Kind, key: str, blob: bytes, *, replace: bool = False) -> bool:
        """Write the entry once; whether this call wrote it.

        Without `replace`, the put is conditional (If-None-Match: *): of many writers of one key
        exactly one succeeds and the others learn the object is there. Every writer's bytes are
        a whole, verified entry for that key, so whichever wins is right. `replace` overwrites
        an object a reader found corrupt; a PUT is atomic, so readers see old or new, never part.
        """
        args: dict[str, Any] = {
            "Bucket": self.location.bucket,
            "Key": self._name(kind, key),
            "Body": blob,
            "ContentType": "application/octet-stream",
        }
        if self._conditional and not replace:
            args["IfNoneMatch"] = "*"
        try:
            self.client.put_object(**args)
        except Exception as exc:
            code = _code(exc)
            if code in _TAKEN:
                return False
            if code in _NO_CONDITIONS and "IfNoneMatch" in args:
                log.info("%s: no conditional writes; plain puts from now on", self.url)
                self._conditional = False
                return self.put_blob(kind, key, blob, replace=replace)
            raise self._translate(exc, "write") from exc
        return True

    def _translate(self, exc: Exception, op: str, *, bucket_call: bool = False) -> RemoteCacheError:
        """One line naming the store, what went wrong and the fix."""
        where = f"remote cache {self.url}"
        name, code = type(exc).__name__, _code(exc)
        if name in _UNREACHABLE or name.startswith("Connection") or isinstance(exc, OSError):
            endpoint = redact(_endpoint(self._client))
            return RemoteUnreachable(
                f"{where}: cannot reach {endpoint}; check AWS_ENDPOINT_URL and the network, "
                "or build with --no-remote"
            )
        if name in ("NoCredentialsError", "PartialCredentialsError"):
            return RemoteCacheError(
                f"{where}: no AWS credentials found; set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or build with --no-remote"
            )
        if code == "NoSuchBucket" or (bucket_call and code in ("404", "NotFound")):
            return RemoteCacheError(
                f"{where}: bucket {self.location.bucket!r} does not exist at "
                f"{redact(_endpoint(self._client))}; create it or fix project.remote_cache"
            )
        if code in _DENIED:
            need = "s3:PutObject" if op == "write" else "s3:ListBucket and s3:GetObject"
            return RemoteCacheError(
                f"{where}: access denied ({code}) on {op}; check the credentials "
                f"(AWS_ACCESS_KEY_ID, AWS_PROFILE) and that they grant {need}"
                + (", or use --remote-read-only" if op == "write" else "")
            )
        detail = redact(_one_line(str(exc)) or name)
        return RemoteCacheError(
            f"{where}: {op} failed ({detail}); build with --no-remote to skip it"
        )


def _default_client() -> BaseClient:
    """An S3 client from the standard AWS chain (env, profiles, SSO, instance roles).

    botocore itself honours AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_S3) for the endpoint.
    """
    import boto3

    session = boto3.session.Session()
    credentials = session.get_credentials()
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        found = (frozen.secret_key, frozen.token, frozen.access_key)
        for value in found:
            if value:
                secrets.remember(value)  # files, SSO, instance roles: not only the environment
    config = s3wait.client_config(max_pool_connections=32)
    return session.client("s3", config=config)


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def _endpoint(client: BaseClient | None) -> str:
    return str(client.meta.endpoint_url) if client is not None else "the S3 endpoint"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]
