"""What about a Waves synthesis changes its audio: needs no key and no httpx."""

from __future__ import annotations

from ...config import WavesSettings


def waves_identity(
    settings: WavesSettings, voice: str, model: str, pause_ms: int
) -> dict[str, str]:
    """What about a Waves synthesis changes its audio; needs no key, so plan and check work."""
    return {
        "engine": "waves",
        "voice": voice,
        "model": model,
        "route": "legacy-lightning-v3.1" if settings.legacy_routes else "v1-tts",
        "sample_rate": str(settings.sample_rate),
        "output_format": settings.output_format,
        "max_chars": str(settings.max_chars),
        "pause_ms": str(pause_ms),
    }
