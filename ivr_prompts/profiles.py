"""Target platform profiles: the rules each platform puts on a prompt file."""

from __future__ import annotations

from typing import Literal, get_args

ProfileName = Literal["asterisk", "freeswitch", "amazon-connect", "genesys", "cisco-uccx", "avaya"]
PROFILE_NAMES: tuple[ProfileName, ...] = get_args(ProfileName)
