"""Every closed set of names the project uses, as a `Literal` and the tuple of its values.

This module imports nothing of ours, so any module may take its names from here without a cycle.
CLI choices and config checks derive from these tuples.
"""

from __future__ import annotations

from typing import Literal, get_args

# Engines and publish targets are open sets: each is a door registered through an entry-point
# group (plugins.py), so their names are plain strings checked against the registry
# (plugins.ENGINE_NAMES, plugins.TARGET_NAMES). "local" is a door that resolves per language to
# the best installed offline engine (Piper where a voice exists, else espeak-ng).
EngineName = str
ResolvedEngine = str  # an engine that speaks itself (what "local" resolves to)

# What a prompt is: words an engine speaks, or a sound the tool makes itself and never sends to
# an engine ("silence": exact digital silence of `seconds`). A tone would be another such kind.
PromptKind = Literal["speech", "silence"]
PROMPT_KINDS: tuple[PromptKind, ...] = get_args(PromptKind)
NonSpeechKind = Literal["silence"]
NON_SPEECH_KINDS: tuple[NonSpeechKind, ...] = get_args(NonSpeechKind)

# G.711 laws we publish.
Codec = Literal["ulaw", "alaw"]
CODECS: tuple[Codec, ...] = get_args(Codec)

# Publish targets (output layouts): open, see above.
Target = str
DEFAULT_TARGETS: tuple[Target, ...] = ("asterisk", "freeswitch", "wav")
# The target whose files (its mu-law WAVs, under <target>/) [publish] upload sends to S3 and
# Amazon Connect: the one place config, export/s3.py and export/connect.py take it from.
UPLOAD_TARGET: Target = "wav"

# Inventories `ivr-prompts import` reads.
SourceFormat = Literal["asterisk", "freeswitch", "genesys", "csv"]
SOURCE_FORMATS: tuple[SourceFormat, ...] = get_args(SourceFormat)

# Archives of the published set.
ArchiveFormat = Literal["tar.gz", "zip"]
ARCHIVE_FORMATS: tuple[ArchiveFormat, ...] = get_args(ArchiveFormat)

# Platform profiles: the rules a platform puts on a prompt file.
ProfileName = Literal["asterisk", "freeswitch", "amazon-connect", "genesys", "cisco-uccx", "avaya"]
PROFILE_NAMES: tuple[ProfileName, ...] = get_args(ProfileName)

# Waves request settings.
Endpoint = Literal["sync", "sse"]
ENDPOINTS: tuple[Endpoint, ...] = get_args(Endpoint)
WavesFormat = Literal["pcm", "wav", "ulaw", "alaw"]
WAVES_FORMATS: tuple[WavesFormat, ...] = get_args(WavesFormat)
WavesModel = Literal["lightning_v3.1", "lightning_v3.1_pro"]
WAVES_MODELS: tuple[WavesModel, ...] = get_args(WavesModel)

# Files: how a published file is encoded, and what a file we read turned out to be.
# sln16, pcm16-wav16 and g722 are the 16 kHz (HD) files; sln (raw 16-bit 8 kHz) is published
# beside them so an 8 kHz linear channel plays the 8 kHz render (export/hd.py).
FileFormat = Literal[
    "ulaw", "alaw", "pcm16-wav", "ulaw-wav", "alaw-wav", "sln16", "pcm16-wav16", "g722", "sln"
]
FILE_FORMATS: tuple[FileFormat, ...] = get_args(FileFormat)
Container = Literal["wav", "raw", "other"]
FileCodec = Literal["pcm16", "ulaw", "alaw", "pcm8", "pcm24", "pcm32", "float", "other"]
RawCodec = Literal["pcm16", "ulaw", "alaw"]

# Remote cache: read and write it, or only read it (untrusted CI jobs).
RemoteCacheMode = Literal["read-write", "read-only"]
REMOTE_CACHE_MODES: tuple[RemoteCacheMode, ...] = get_args(RemoteCacheMode)

# Findings and the formats they are written in.
Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
Format = Literal["text", "json", "github", "junit"]
FORMATS: tuple[Format, ...] = get_args(Format)
