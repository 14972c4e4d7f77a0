"""The Smallest AI Waves engine, one module per reason to change.

routes (base URL, key, paths), identity (what changes the audio), shapes (JSON bodies), errors
(status errors and vendor messages), attempt (one attempt's wall-clock bound, backoff, httpx
exceptions translated), client (httpx, the in-flight limit, retries), sse, decode, text
(splitting), engine (WavesEngine), deferred (connect only when it must speak), guard (refuse a
project holding the key), voices, lock, dicts.

This package imports nothing itself: `plan`, `check` and cached builds must not load httpx.
"""
