"""Issue 22's figure for a no-op with exports: `python -m benchmarks.noop_upload PAIRS [REPEATS]`.

A set of PAIRS pairs with `[publish] upload` pointing at moto's S3 server on loopback is built
cold against the Waves stand-in (and uploaded); then the unchanged set is built REPEATS more
times. Each no-op is the real CLI in a child process (`measure.run_child`: wall and its own peak
RSS), counted against the S3 requests the server saw meanwhile (the target: none). Prints JSON.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from tests.aws import aws_env, new_bucket

from .measure import PYTHON, child_env, median, run_child
from .project import write_project
from .server import API_KEY, waves_server


def measure(pairs: int, repeats: int) -> dict[str, object]:
    from tests.s3_server import S3Server

    work = Path(tempfile.mkdtemp(prefix="ivr-noop-upload-"))
    s3 = S3Server().start()
    try:
        bucket = new_bucket(s3.endpoint, "noop-upload")
        with waves_server(audio="babble") as server:
            base = child_env(SMALLEST_API_KEY=API_KEY, SMALLEST_BASE_URL=server.url)
            env = aws_env(s3.endpoint, base)
            project = write_project(work / "set", pairs, engine="waves", concurrency=64)
            toml = project.toml.read_text(encoding="utf-8")
            upload = f'[publish]\nupload = "s3://{bucket}/ivr"\n'
            project.toml.write_text(toml.replace("[publish]\n", upload, 1), encoding="utf-8")
            build = [PYTHON, "-m", "ivr_prompts", "build", "--json", "--config", str(project.toml)]
            cold = run_child(build, env=env)
            if cold.returncode != 0:
                raise RuntimeError(f"the cold build failed: {cold.stderr[-2000:]}")
            uploaded = len(s3.requests)
            bare = median([run_child([PYTHON, "-c", "pass"]).wall_s for _ in range(5)])
            noops = []
            for _ in range(repeats):
                before = len(s3.requests)
                child = run_child(build, env=env)
                if child.returncode != 0:
                    raise RuntimeError(f"a no-op build failed: {child.stderr[-2000:]}")
                noops.append((child.wall_s, child.max_rss_mb, len(s3.requests) - before))
    finally:
        s3.stop()
        shutil.rmtree(work, ignore_errors=True)
    wall = median([n[0] for n in noops])
    return {
        "pairs": pairs,
        "cold build (wall s)": cold.wall_s,
        "S3 requests of the cold build": uploaded,
        "python -c pass (s)": bare,
        "no-op builds (wall s, peak RSS MB, S3 requests)": noops,
        "no-op median (s)": wall,
        "no-op median beyond start (s)": wall - bare,
    }


def main() -> None:
    pairs = int(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    print(json.dumps(measure(pairs, repeats), indent=2))


if __name__ == "__main__":
    main()
