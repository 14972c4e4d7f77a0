"""Test credentials and environments for the S3 server on loopback (tests/s3_server.py): one
place for the AWS variables a child process gets and the buckets a test makes. Imports neither
moto nor boto3 until a bucket is made."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping

# The shape of an AWS key id and secret key; never valid anywhere.
KEY_ID = "AKIAEXAMPLEKEYID4242"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"


def aws_env(
    endpoint: str,
    base: Mapping[str, str] | None = None,
    *,
    key_id: str = KEY_ID,
    secret: str = SECRET,
    **extra: str,
) -> dict[str, str]:
    """`base` (this process's environment by default) without its AWS_* variables, with
    `endpoint` as the only AWS there is: test credentials, no config file, no metadata service;
    `extra` variables added last."""
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID=key_id,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(extra)
    return env


def new_bucket(endpoint: str, prefix: str) -> str:
    """A new bucket named `<prefix>-<random>` on the S3 server at `endpoint` (moto keeps its
    buckets for the life of its process: a name is never reused)."""
    import boto3

    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    ).create_bucket(Bucket=name)
    return name
