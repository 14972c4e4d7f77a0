"""Benchmarks of ivr-prompts against the targets of issue #5: `python -m benchmarks.run`."""
