"""Upload the mu-law WAV set to S3 for Amazon Connect, only what changed.

Credentials, region and endpoint come from the standard AWS chain (environment, profiles,
instance roles; `AWS_ENDPOINT_URL` included) through boto3; none of them is ever logged. An
object whose ETag already equals the file's MD5 (a single-part upload's ETag) is not sent again,
so a second build uploads nothing. Every file is checked against the manifest's hash and the
amazon-connect profile before the first byte is sent.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from .. import s3url, s3wait
from ..config import Config
from ..errors import IvrPromptsError
from ..kinds import UPLOAD_TARGET

log = logging.getLogger(__name__)


class UploadError(IvrPromptsError):
    """The set was published, but the upload did not finish."""


class S3Client(Protocol):
    """The part of boto3's S3 client we use."""

    def list_objects_v2(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def put_object(self, **kwargs: Any) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Destination:
    bucket: str
    prefix: str  # "" or ending in "/"

    @classmethod
    def parse(cls, url: str) -> Destination:
        found = s3url.parse(url)
        if found is None:  # config.py checked it; this guards direct callers
            raise UploadError(f"publish.upload {url!r}: {s3url.EXPECTED}")
        return cls(found.bucket, found.prefix)

    def key(self, relative: str) -> str:
        return f"{self.prefix}{relative}"

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


@dataclass
class UploadReport:
    destination: Destination
    uploaded: list[str] = field(default_factory=list)  # object keys
    unchanged: int = 0


@dataclass(frozen=True)
class LocalObject:
    path: Path
    key: str
    md5: str
    prompt: str  # "id [locale]"


def default_client() -> S3Client:
    """boto3's S3 client from the standard chain (AWS_ENDPOINT_URL, profiles, roles...)."""
    try:
        import boto3
    except ImportError as exc:
        raise UploadError("publish.upload needs boto3: pip install 'ivr-prompts[s3]'") from exc
    return cast(S3Client, boto3.client("s3", config=s3wait.client_config()))


def wav_objects(config: Config, records: Sequence[Mapping[str, Any]]) -> list[LocalObject]:
    """The mu-law WAVs of the published set, each checked against its manifest hash and the
    amazon-connect profile; UploadError listing every file that fails."""
    from .. import audio, validate  # not for a no-op answered from the record (recorded.py)

    assert config.publish.upload is not None
    dest = Destination.parse(config.publish.upload)
    out = config.project.output
    rules = validate.profile_rules(
        "amazon-connect", validate.Rules.from_settings(config.audio, config.limits)
    )
    problems: list[str] = []
    objects: list[LocalObject] = []
    for record in records:
        for f in record["files"]:
            if f["target"] != UPLOAD_TARGET or f["format"] != "ulaw-wav":
                continue
            path = out / f["path"]
            prompt = f"{record['id']} [{record['locale']}]"
            try:
                data = path.read_bytes()
            except OSError as exc:
                problems.append(f"{prompt}: {f['path']}: unreadable ({exc.strerror})")
                continue
            if hashlib.sha256(data).hexdigest() != f["sha256"]:
                problems.append(f"{prompt}: {f['path']}: differs from the manifest; rebuild")
                continue
            found = validate.check_audio(audio.read_audio(path), rules, signal=False)
            problems += [
                f"{prompt}: {f['path']}: {x.check}: {x.message}"
                for x in found
                if x.severity == "error"
            ]
            relative = f["path"].removeprefix(f"{UPLOAD_TARGET}/")
            md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
            objects.append(LocalObject(path, dest.key(relative), md5, prompt))
    if problems:
        raise UploadError("; ".join(problems) + "; nothing was uploaded")
    return objects


def remote_etags(client: S3Client, dest: Destination) -> dict[str, str]:
    """Key -> ETag (without quotes) of every object under the prefix."""
    etags: dict[str, str] = {}
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Bucket": dest.bucket, "Prefix": dest.prefix}
        if token:
            kwargs["ContinuationToken"] = token
        page = client.list_objects_v2(**kwargs)
        for item in page.get("Contents", []):
            etags[item["Key"]] = str(item.get("ETag", "")).strip('"')
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return etags


def upload_set(
    config: Config, records: Sequence[Mapping[str, Any]], client: S3Client | None = None
) -> UploadReport:
    """Upload every WAV of the set whose object is missing or different."""
    assert config.publish.upload is not None
    dest = Destination.parse(config.publish.upload)
    objects = wav_objects(config, records)
    report = UploadReport(dest)
    try:
        client = client or default_client()
        remote = remote_etags(client, dest)
        for obj in objects:
            if remote.get(obj.key) == obj.md5:
                report.unchanged += 1
                continue
            body = obj.path.read_bytes()
            client.put_object(
                Bucket=dest.bucket,
                Key=obj.key,
                Body=body,
                ContentType="audio/wav",
                ContentMD5=base64.b64encode(bytes.fromhex(obj.md5)).decode(),
            )
            log.info("uploaded %s", dest.uri(obj.key))
            report.uploaded.append(obj.key)
    except UploadError:
        raise
    except Exception as exc:  # botocore's tree: translated here, where it enters
        raise UploadError(_describe(exc, dest, len(report.uploaded))) from exc
    return report


def _describe(exc: Exception, dest: Destination, done: int) -> str:
    where = f"publish.upload {dest.uri(dest.prefix)}"
    name = type(exc).__name__
    tail = f" ({done} file(s) uploaded before the error); the next build resumes"
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return (
            f"{where}: no AWS credentials found; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
        )
    response = getattr(exc, "response", None)
    if isinstance(response, dict):  # botocore's ClientError and its per-code subclasses
        error = response.get("Error", {})
        code, message = error.get("Code", "?"), error.get("Message", "")
        fix = {
            "NoSuchBucket": "create the bucket or fix the bucket name",
            "AccessDenied": "grant s3:ListBucket and s3:PutObject on it",
            "InvalidAccessKeyId": "check AWS_ACCESS_KEY_ID / the profile",
            "SignatureDoesNotMatch": "check AWS_SECRET_ACCESS_KEY / the profile",
        }.get(code, "check the bucket and your permissions")
        return f"{where}: {code}: {message}; {fix}{tail}"
    if name == "ReadTimeoutError":
        return (
            f"{where}: the S3 endpoint did not answer within {s3wait.timeout():g} s "
            f"({s3wait.ATTEMPTS} attempts); check AWS_ENDPOINT_URL and the network, or set "
            f"{s3wait.TIMEOUT_ENV}{tail}"
        )
    if name in ("EndpointConnectionError", "ConnectTimeoutError"):
        return (
            f"{where}: cannot reach the S3 endpoint; check AWS_ENDPOINT_URL and the network{tail}"
        )
    return f"{where}: {name}: {exc}{tail}"
