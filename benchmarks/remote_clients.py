"""Which S3 client for the remote cache: put and get 500 small objects against moto on loopback.

`python -m benchmarks.remote_clients [--objects 500] [--size 16000]`; each client is measured in a
process of its own (import time included), so one client's imports do not flatter another.
Clients that are not installed are reported as such. The figures went into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import importlib.metadata
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

CLIENTS = ("boto3", "obstore", "s3fs")
WORKERS = 16  # requests in flight, as the remote cache uses


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def install_size(dist: str) -> tuple[int, list[str]]:
    """Bytes on disk of `dist` and everything it requires (no extras), and their names."""
    seen: dict[str, int] = {}
    todo = [dist]
    while todo:
        name = re.split(r"[\s;<>=!~\[(]", todo.pop(), maxsplit=1)[0].lower().replace("_", "-")
        if name in seen:
            continue
        try:
            found = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        files = found.files or []
        seen[name] = sum(
            Path(str(found.locate_file(f))).stat().st_size
            for f in files
            if Path(str(found.locate_file(f))).is_file()
        )
        todo.extend(r for r in found.requires or [] if "extra ==" not in r)
    return sum(seen.values()), sorted(seen)


def _run_boto3(endpoint: str, bucket: str, blobs: dict[str, bytes]) -> tuple[float, float]:
    import boto3
    from botocore.config import Config

    client = boto3.client("s3", endpoint_url=endpoint, config=Config(max_pool_connections=WORKERS))
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        start = time.perf_counter()
        list(
            pool.map(
                lambda kv: client.put_object(Bucket=bucket, Key=kv[0], Body=kv[1], IfNoneMatch="*"),
                blobs.items(),
            )
        )
        put = time.perf_counter() - start
        start = time.perf_counter()
        got = list(
            pool.map(lambda k: client.get_object(Bucket=bucket, Key=k)["Body"].read(), blobs)
        )
        get = time.perf_counter() - start
    assert got == list(blobs.values())
    return put, get


def _run_obstore(endpoint: str, bucket: str, blobs: dict[str, bytes]) -> tuple[float, float]:
    import obstore
    from obstore.store import S3Store

    store = S3Store(bucket, endpoint=endpoint, client_options={"allow_http": True})

    async def run() -> tuple[float, float, list[bytes]]:
        gate = asyncio.Semaphore(WORKERS)

        async def put(key: str, blob: bytes) -> None:
            async with gate:
                await obstore.put_async(store, key, blob, mode="create")

        async def get(key: str) -> bytes:
            async with gate:
                answer = await obstore.get_async(store, key)
                return bytes(await answer.bytes_async())

        start = time.perf_counter()
        await asyncio.gather(*(put(k, v) for k, v in blobs.items()))
        put_s = time.perf_counter() - start
        start = time.perf_counter()
        got = await asyncio.gather(*(get(k) for k in blobs))
        return put_s, time.perf_counter() - start, got

    put_s, get_s, got = asyncio.run(run())
    assert got == list(blobs.values())
    return put_s, get_s


def _run_s3fs(endpoint: str, bucket: str, blobs: dict[str, bytes]) -> tuple[float, float]:
    import s3fs

    fs = s3fs.S3FileSystem(endpoint_url=endpoint, max_concurrency=WORKERS)
    paths = {f"{bucket}/{k}": v for k, v in blobs.items()}
    start = time.perf_counter()
    fs.pipe(paths, batch_size=WORKERS)
    put = time.perf_counter() - start
    start = time.perf_counter()
    got = fs.cat(list(paths), batch_size=WORKERS)
    get = time.perf_counter() - start
    assert [got[p] for p in paths] == list(blobs.values())
    return put, get


RUNNERS: dict[str, Callable[[str, str, dict[str, bytes]], tuple[float, float]]] = {
    "boto3": _run_boto3,
    "obstore": _run_obstore,
    "s3fs": _run_s3fs,
}


def child(client: str, endpoint: str, objects: int, size: int) -> dict[str, object]:
    """In a fresh process: import the client, make a bucket, put then get `objects` objects."""
    start = time.perf_counter()
    __import__(client)
    imported = time.perf_counter() - start
    import boto3  # the bucket is made the same way for every client

    bucket = f"bench-{client}-{os.getpid()}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    blobs = {f"audio/{i:02x}/{i:062x}": os.urandom(size) for i in range(objects)}
    put, get = RUNNERS[client](endpoint, bucket, blobs)
    size_bytes, dists = install_size(client)
    return {
        "client": client,
        "version": importlib.metadata.version(client),
        "import_s": round(imported, 3),
        "put_s": round(put, 3),
        "get_s": round(get, 3),
        "install_mb": round(size_bytes / 1e6, 1),
        "dists": dists,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=500)
    parser.add_argument("--size", type=int, default=16000)
    parser.add_argument("--child", default=None)
    parser.add_argument("--endpoint", default=None)
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="CLIENT=PYTHON",
        help="Measure CLIENT with another interpreter (a venv where it installs alone).",
    )
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench-secret")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if args.child:
        print(json.dumps(child(args.child, args.endpoint, args.objects, args.size)))
        return
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        print(f"{args.objects} objects of {args.size} bytes, {WORKERS} in flight, moto on loopback")
        print("| client | version | import s | put s | get s | install MB (with deps) |")
        print("|---|---|---:|---:|---:|---:|")
        for client in CLIENTS:
            python = dict(p.split("=", 1) for p in args.python).get(client, sys.executable)
            cmd = [python, "-m", "benchmarks.remote_clients", "--child", client]
            cmd += ["--endpoint", endpoint, "--objects", str(args.objects)]
            cmd += ["--size", str(args.size)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["failed"])[-1]
                print(f"| {client} | - | - | - | - | {last} |")
                continue
            r = json.loads(done.stdout)
            print(
                f"| {r['client']} | {r['version']} | {r['import_s']} | {r['put_s']} | "
                f"{r['get_s']} | {r['install_mb']} ({len(r['dists'])} dists) |"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
