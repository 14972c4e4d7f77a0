"""One reader of s3:// addresses: the remote cache, the upload and config agree on every URL."""

from __future__ import annotations

import pytest

from ivr_prompts import s3url
from ivr_prompts.cache.remote import Location
from ivr_prompts.errors import UsageError
from ivr_prompts.export.s3 import Destination, UploadError

GOOD = [
    ("s3://bucket", "bucket", ""),
    ("s3://bucket/", "bucket", ""),
    ("s3://my.bucket-1/a/b/", "my.bucket-1", "a/b/"),
    ("s3://b-1/prompts", "b-1", "prompts/"),
]
BAD = ["s3://B/p", "s3://ab", "https://bucket/p", "s3://bucket/p?x=1", "s3://bucket/a b", ""]


@pytest.mark.parametrize(("url", "bucket", "prefix"), GOOD)
def test_s3url_parse_good_url_same_for_cache_and_upload(url: str, bucket: str, prefix: str) -> None:
    found = s3url.parse(url)
    assert found is not None
    assert (found.bucket, found.prefix) == (bucket, prefix)
    assert s3url.problem(url) is None
    location = Location.parse(url)
    assert (location.bucket, location.prefix) == (bucket, prefix)
    assert Destination.parse(url) == Destination(bucket, prefix)


@pytest.mark.parametrize("url", BAD)
def test_s3url_parse_bad_url_refused_by_all(url: str) -> None:
    assert s3url.parse(url) is None
    assert s3url.problem(url) == s3url.EXPECTED
    with pytest.raises(UsageError):
        Location.parse(url)
    with pytest.raises(UploadError):
        Destination.parse(url)


def test_s3url_problem_credentials_never_echoed() -> None:
    problem = s3url.problem("s3://KEY:SECRET@bucket/p")
    assert problem == "credentials never go in the URL; they come from the AWS credential chain"
