"""`validate` on what `build` publishes: each file judged by its target's rules, none skipped."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ivr_prompts.audio import dsp, wavfile

from .conftest import BASE_TOML, DEFAULT_FILES, run_cli

# Every option that adds files: HD, every target, an archive and every WAV profile.
EVERYTHING = BASE_TOML.replace(
    '[synth]\nengine = "espeak"\n',
    '[synth]\nengine = "espeak"\n\n[publish]\n'
    'targets = ["asterisk", "freeswitch", "wav", "genesys"]\n'
    'hd = true\narchive = "zip"\nprofiles = ["amazon-connect", "cisco-uccx", "avaya"]\n',
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A set built with every option on (espeak-ng, 4 prompts x 2 locales); returns its dist."""
    root = tmp_path_factory.mktemp("everything")
    for name, text in DEFAULT_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    (root / "prompts.toml").write_text(textwrap.dedent(EVERYTHING), encoding="utf-8")
    result = run_cli("build", "--config", str(root / "prompts.toml"))
    assert result.returncode == 0, result.stderr
    return root / "dist"


@pytest.fixture
def dist(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built set, for tests that add or remove files."""
    return Path(shutil.copytree(built, tmp_path / "dist", symlinks=True))


def manifest_files(dist: Path) -> list[str]:
    manifest = json.loads((dist / "manifest.json").read_text())
    return [f["path"] for record in manifest["prompts"] for f in record["files"]]


def test_validate_published_set_every_option_on_passes(built: Path) -> None:
    result = run_cli("validate", str(built), "--strict")
    assert result.returncode == 0, result.stdout
    audio = manifest_files(built)
    others = [p for p in built.rglob("*") if p.is_file() and p.relative_to(built).as_posix()]
    indexes = len(others) - len(audio)
    assert {Path(p).suffix for p in audio} >= {".ulaw", ".alaw", ".sln16", ".wav16", ".g722"}
    assert result.stdout == (
        f"ok: {len(audio)} audio file(s) checked, {len(audio)} pass; "
        f"{indexes} index file(s) of the published set (not audio)\n"
    )


def test_validate_asterisk_folder_judges_hd_files(built: Path) -> None:
    result = run_cli("validate", str(built / "asterisk"), "--format", "json")
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout) == []
    hd = [p for p in manifest_files(built) if p.startswith("asterisk/")]
    assert sum(p.endswith((".sln16", ".wav16", ".g722")) for p in hd) == 3 * 8


@pytest.mark.parametrize("ext", ["sln16", "wav16", "g722"])
def test_validate_profile_asterisk_hd_file_passes(built: Path, ext: str) -> None:
    path = built / f"asterisk/en/main/hours.{ext}"
    result = run_cli("validate", "--profile", "asterisk", str(path))
    assert result.returncode == 0, result.stdout
    assert result.stdout == "ok: 1 audio file(s) checked, 1 pass\n"


def test_validate_freeswitch_rate_folder_holds_its_rate(dist: Path) -> None:
    voice = next(dist.glob("freeswitch/en/us/*/main"))
    assert run_cli("validate", "--profile", "freeswitch", str(voice / "16000")).returncode == 0
    shutil.copy(voice / "8000/hours.wav", voice / "16000/hours.wav")
    result = run_cli("validate", "--profile", "freeswitch", str(voice / "16000/hours.wav"))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        f"{voice / '16000/hours.wav'}: error: rate: sample rate is 8000 Hz; "
        "freeswitch (16 kHz) needs 16000 Hz; resample it (sox IN -r 16000 OUT)"
    )


def test_validate_profile_without_wideband_refuses_hd_file(built: Path) -> None:
    path = built / "asterisk/en/main/hours.sln16"
    result = run_cli("validate", "--profile", "amazon-connect", str(path))
    assert result.returncode == 1
    assert f"{path}: error: rate: sample rate is 16000 Hz; amazon-connect needs 8000 Hz" in (
        result.stdout
    )


def fs_hours(dist: Path) -> Path:
    return next(dist.glob("freeswitch/en/us/*/main/8000/hours.wav"))


def quiet_copy(source: Path, target: Path, gain_db: float) -> None:
    pcm = wavfile.read_audio(source).samples
    quieter = dsp.to_float(pcm) * np.float32(10 ** (gain_db / 20))
    target.write_bytes(wavfile.pcm16_wav_bytes(dsp.to_pcm16(quieter)))


def test_validate_without_level_inaudible_prompt_is_error(built: Path, tmp_path: Path) -> None:
    quiet_copy(fs_hours(built), tmp_path / "faint.wav", -34.0)
    result = run_cli("validate", str(tmp_path / "faint.wav"))
    assert result.returncode == 1
    line = result.stdout.splitlines()[0]
    assert line.startswith(f"{tmp_path / 'faint.wav'}: error: level: active speech level (P.56)")
    assert "a caller cannot hear it (floor -46 dBov" in line


def test_validate_without_level_unusual_level_is_warning(built: Path, tmp_path: Path) -> None:
    quiet_copy(fs_hours(built), tmp_path / "soft.wav", -12.0)
    result = run_cli("validate", str(tmp_path / "soft.wav"))
    assert result.returncode == 0, result.stdout
    assert "warning: level:" in result.stdout
    assert run_cli("validate", "--strict", str(tmp_path / "soft.wav")).returncode == 1


def test_validate_unknown_file_is_listed_and_fails_strict(built: Path, tmp_path: Path) -> None:
    shutil.copy(built / "asterisk/en/main/hours.ulaw", tmp_path / "hours.ulaw")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04 not a prompt")
    result = run_cli("validate", str(tmp_path))
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'notes.docx'}: warning: not-judged: not a prompt file validate can judge "
        "(it is a ZIP archive (or an office document)); move it out of the prompt folder, "
        "or convert it to WAV if it is audio",
        "ok: 1 audio file(s) checked, 1 pass; 1 file(s) not judged (listed above)",
    ]
    assert run_cli("validate", "--strict", str(tmp_path)).returncode == 1


def test_validate_published_set_stray_and_missing_files_named(dist: Path) -> None:
    shutil.copy(dist / "asterisk/en/main/hours.ulaw", dist / "asterisk/en/main/extra.ulaw")
    (dist / "asterisk/es/main/hours.alaw").unlink()
    result = run_cli("validate", str(dist), "--format", "json")
    assert result.returncode == 1
    found = {(Path(f["file"]).relative_to(dist).as_posix(), f["code"], f["severity"])
             for f in json.loads(result.stdout)}  # fmt: skip
    assert found == {
        ("asterisk/en/main/extra.ulaw", "stray", "warning"),
        ("asterisk/es/main/hours.alaw", "missing", "error"),
    }
