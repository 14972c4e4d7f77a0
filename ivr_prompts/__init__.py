"""Build telephony-ready IVR and contact-center prompt sets from text."""

from __future__ import annotations

__version__ = "0.2.0"
