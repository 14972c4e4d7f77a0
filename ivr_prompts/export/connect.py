"""Amazon Connect prompts for the uploaded WAVs: CreatePrompt for new names, UpdatePrompt for
prompts whose audio changed. The directory is a Protocol, so the service is a parameter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import s3wait
from ..kinds import UPLOAD_TARGET
from .names import flat_name, platform_language
from .s3 import Destination, UploadError


class PromptDirectory(Protocol):
    """The Connect prompt operations we use, on one instance."""

    def list_prompts(self) -> dict[str, str]:
        """Prompt name -> prompt id."""
        ...

    def create_prompt(self, name: str, s3_uri: str, description: str) -> None: ...

    def update_prompt(self, prompt_id: str, s3_uri: str) -> None: ...


class BotoPromptDirectory:
    """Connect's ListPrompts / CreatePrompt / UpdatePrompt through boto3 (standard AWS chain)."""

    def __init__(self, instance_id: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("connect", config=s3wait.client_config())
        self.client = client
        self.instance_id = instance_id

    def list_prompts(self) -> dict[str, str]:
        found: dict[str, str] = {}
        pages = self.client.get_paginator("list_prompts").paginate(InstanceId=self.instance_id)
        for page in pages:
            for item in page.get("PromptSummaryList", []):
                found[item["Name"]] = item["Id"]
        return found

    def create_prompt(self, name: str, s3_uri: str, description: str) -> None:
        self.client.create_prompt(
            InstanceId=self.instance_id, Name=name, S3Uri=s3_uri, Description=description
        )

    def update_prompt(self, prompt_id: str, s3_uri: str) -> None:
        self.client.update_prompt(InstanceId=self.instance_id, PromptId=prompt_id, S3Uri=s3_uri)


@dataclass
class ConnectReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def prompt_name(prompt_id: str, locale: str) -> str:
    """The Connect prompt of `main/welcome` in en-US: `main_welcome_en_us`."""
    return f"{flat_name(prompt_id)}_{platform_language(locale).replace('-', '_')}"


def sync_prompts(
    directory: PromptDirectory,
    dest: Destination,
    records: Sequence[Mapping[str, Any]],
    uploaded: set[str],
) -> ConnectReport:
    """Create the prompts Connect lacks; point those whose object was re-uploaded at it again."""
    report = ConnectReport()
    try:
        existing = directory.list_prompts()
        for record in records:
            for f in record["files"]:
                if f["target"] != UPLOAD_TARGET or f["format"] != "ulaw-wav":
                    continue
                key = dest.key(f["path"].removeprefix(f"{UPLOAD_TARGET}/"))
                name = prompt_name(record["id"], record["locale"])
                if name not in existing:
                    directory.create_prompt(name, dest.uri(key), f"ivr-prompts: {record['id']}")
                    report.created.append(name)
                elif key in uploaded:
                    directory.update_prompt(existing[name], dest.uri(key))
                    report.updated.append(name)
    except UploadError:
        raise
    except Exception as exc:  # botocore's tree, translated where it enters
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
        raise UploadError(
            f"publish.connect_instance: Connect prompts not updated ({code}); "
            "check the instance id and connect:ListPrompts/CreatePrompt/UpdatePrompt permissions"
        ) from exc
    return report
