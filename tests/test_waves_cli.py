"""Every `voices` and `dicts` command through the real CLI, against the Waves test server."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr_prompts.engines.waves.lock import load_lock

from .conftest import Project
from .test_waves_build import FILES, KEY, WAVES_TOML, cli, waves_env
from .waves_server import WavesServer


@pytest.fixture
def server() -> Iterator[WavesServer]:
    with WavesServer(api_key=KEY, missing_dict_status=404) as s:
        yield s


def foreign_dictionary(server: WavesServer) -> str:
    """A dictionary made on the account by someone else (another project, the console)."""
    body = json.dumps({"items": [{"word": "x", "pronunciation": "ex"}]}).encode()
    request = urllib.request.Request(
        f"{server.url}/waves/v1/pronunciation-dicts",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        dict_id: str = json.loads(answer.read())["id"]
    return dict_id


def deletes(server: WavesServer) -> int:
    return sum(r.method == "DELETE" for r in server.records)


def lock_of(project: Path) -> tuple[dict[str, str], set[str]]:
    lock = load_lock(project.parent / "prompts.lock.json")
    assert lock is not None
    return {code: e["id"] for code, e in lock.entries.items()}, lock.created


# -- voices ---------------------------------------------------------------------------------------


def test_cli_voices_json_filters_by_language_outside_a_project(
    tmp_path: Path, server: WavesServer
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ivr_prompts", "voices", "--language", "hi", "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=waves_env(KEY, server.url),
    )
    assert result.returncode == 0, result.stderr
    assert [v["voice_id"] for v in json.loads(result.stdout)] == ["arjun"]
    assert result.stderr == ""


def test_cli_voices_table_warns_about_project_voices(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML.replace('voice = "lucia"', 'voice = "olivia"'), FILES)
    result = cli(path, "voices", "--gender", "female", url=server.url)
    assert result.returncode == 0, result.stderr
    assert "olivia" in result.stdout
    assert "lucia" in result.stdout
    assert "magnus" not in result.stdout
    assert result.stderr.splitlines() == [
        "warning: locales.es-US.voice: 'olivia' does not list spanish (it lists english); "
        "see `ivr-prompts voices --language es`"
    ]


def test_cli_voices_without_key_one_line_exit_2(make_project: Project) -> None:
    path = make_project(WAVES_TOML, FILES)
    result = cli(path, "voices", key="")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: SMALLEST_API_KEY is not set: export your Waves API key "
        "(export SMALLEST_API_KEY=sk_...), or build offline with --engine local"
    ]


# -- dicts sync and list --------------------------------------------------------------------------


def test_cli_dicts_sync_then_list_marks_what_the_project_uses(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML, FILES)
    stray = foreign_dictionary(server)
    result = cli(path, "dicts", "sync", url=server.url)
    assert result.returncode == 0, result.stderr
    ids, created = lock_of(path)
    assert result.stdout.splitlines() == [
        f"en-US: {ids['en-US']}",
        f"es-US: {ids['es-US']}",
        f"lock file: {path.parent / 'prompts.lock.json'}",
    ]
    assert created == set(ids.values())
    listed = cli(path, "dicts", "list", url=server.url)
    assert listed.returncode == 0, listed.stderr
    assert sorted(listed.stdout.splitlines()) == sorted(
        [
            f"{ids['en-US']}  1 word(s)  en-US",
            f"{ids['es-US']}  1 word(s)  es-US",
            f"{stray}  1 word(s)  not in the lock file",
        ]
    )
    as_json = cli(path, "dicts", "list", "--json", url=server.url)
    assert sorted(d["id"] for d in json.loads(as_json.stdout)) == sorted([*ids.values(), stray])


def test_cli_dicts_sync_put_404_recreates_once_and_updates_lock(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML, FILES)
    assert cli(path, "dicts", "sync", url=server.url).returncode == 0
    old, _ = lock_of(path)
    server.forget_dictionary(old["en-US"])
    (path.parent / "pron/en-US.toml").write_text('"Acme" = "Akme"\n')
    result = cli(path, "dicts", "sync", url=server.url)
    assert result.returncode == 0, result.stderr
    ids, created = lock_of(path)
    assert ids["en-US"] != old["en-US"]
    assert ids["es-US"] == old["es-US"]
    assert old["en-US"] not in created
    assert ids["en-US"] in created
    calls = [(r.method, r.status) for r in server.records if r.path.endswith("dicts")]
    assert calls[-2:] == [("PUT", 404), ("POST", 200)]
    assert server.dictionaries[ids["en-US"]] == [{"word": "Acme", "pronunciation": "Akme"}]


def test_cli_build_recreates_dictionary_the_server_forgot(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML, FILES)
    assert cli(path, "build", url=server.url).returncode == 0
    old, _ = lock_of(path)
    server.forget_dictionary(old["en-US"])
    (path.parent / "pron/en-US.toml").write_text('"Acme" = "Akme"\n')
    result = cli(path, "build", url=server.url)
    assert result.returncode == 0, result.stderr
    ids, _ = lock_of(path)
    assert ids["en-US"] != old["en-US"]
    assert ids["en-US"] in server.dictionaries


# -- dicts prune ----------------------------------------------------------------------------------


def test_cli_dicts_prune_without_lock_file_deletes_nothing(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML, FILES)
    strays = [foreign_dictionary(server), foreign_dictionary(server)]
    result = cli(path, "dicts", "prune", "--yes", url=server.url)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: no prompts.lock.json beside {path}: prune deletes only dictionaries this "
        "project created, which the lock file records; nothing was deleted"
    ]
    assert deletes(server) == 0
    assert sorted(server.dictionaries) == sorted(strays)


def test_cli_dicts_prune_deletes_only_what_the_project_created_and_needs_yes(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(WAVES_TOML, FILES)
    stray = foreign_dictionary(server)
    assert cli(path, "dicts", "sync", url=server.url).returncode == 0
    ids, _ = lock_of(path)
    # es-US stops using its dictionary: the project created it and no longer needs it.
    path.write_text(path.read_text().replace('pronunciations = "pron/es-US.toml"\n', ""))
    assert cli(path, "dicts", "sync", url=server.url).returncode == 0
    assert lock_of(path)[0] == {"en-US": ids["en-US"]}
    listed = cli(path, "dicts", "list", url=server.url).stdout.splitlines()
    assert sorted(listed) == sorted(
        [
            f"{ids['en-US']}  1 word(s)  en-US",
            f"{ids['es-US']}  1 word(s)  unused, created by this project "
            "(`dicts prune --yes` deletes it)",
            f"{stray}  1 word(s)  not in the lock file",
        ]
    )

    asked = cli(path, "dicts", "prune", url=server.url)
    assert asked.returncode == 2
    assert asked.stdout.splitlines() == [
        f"would delete {ids['es-US']}",
        "would delete 1 dictionary(ies)",
    ]
    assert asked.stderr.splitlines() == [
        "error: nothing was deleted: run `ivr-prompts dicts prune --yes` to delete these "
        "1 dictionary(ies)"
    ]
    dry = cli(path, "dicts", "prune", "--dry-run", url=server.url)
    assert dry.returncode == 0
    assert dry.stdout == asked.stdout
    assert deletes(server) == 0

    done = cli(path, "dicts", "prune", "--yes", url=server.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"deleted {ids['es-US']}", "deleted 1 dictionary(ies)"]
    assert sorted(server.dictionaries) == sorted([ids["en-US"], stray])
    assert ids["es-US"] not in lock_of(path)[1]

    again = cli(path, "dicts", "prune", "--yes", url=server.url)
    assert again.returncode == 0
    assert again.stdout.splitlines() == [
        "nothing to delete: every dictionary this project created is still in use"
    ]
    assert deletes(server) == 1
