"""Tests for ivr_prompts.validate and profiles: a generated broken corpus and good prompts."""

from __future__ import annotations

import dataclasses
import struct
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from ivr_prompts.audio import dsp, wavfile
from ivr_prompts.audio.chain import Processed, process
from ivr_prompts.config import AudioSettings, LimitSettings
from ivr_prompts.kinds import PROFILE_NAMES, Codec, ProfileName
from ivr_prompts.validate.checks import Finding, check_audio
from ivr_prompts.validate.paths import validate_paths
from ivr_prompts.validate.rules import Rules, profile_rules, prompt_rules
from tests.audio_fixtures import SPEECH_TEXT, espeak_speech, faded, silence, tone

RULES = Rules()


@pytest.fixture(scope="module")
def prompt(tmp_path_factory: pytest.TempPathFactory) -> Processed:
    samples, rate = espeak_speech(tmp_path_factory.mktemp("speech"))
    return process(samples, rate, AudioSettings())


def checks(found: list[Finding]) -> list[str]:
    return [f.check for f in found]


def only(found: list[Finding], check: str) -> Finding:
    hits = [f for f in found if f.check == check]
    assert len(hits) == 1, found
    return hits[0]


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def check_file(path: Path, rules: Rules = RULES, text: str | None = None) -> list[Finding]:
    return check_audio(wavfile.read_audio(path), rules, text=text)


def pcm16(x: npt.NDArray[np.float32]) -> npt.NDArray[np.int16]:
    return dsp.to_pcm16(x)


def speechlike(prompt: Processed) -> npt.NDArray[np.float32]:
    return dsp.to_float(prompt.pcm)


# --- good files ------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["ulaw", "alaw"])
def test_check_audio_own_g711_wav_and_raw_have_no_findings(
    tmp_path: Path, prompt: Processed, codec: Codec
) -> None:
    wav = write(tmp_path / "welcome.wav", wavfile.g711_wav_bytes(prompt.pcm, codec))
    raw = write(tmp_path / f"welcome.{codec}", wavfile.raw_bytes(prompt.pcm, codec))
    assert check_file(wav, text=SPEECH_TEXT) == []
    assert check_file(raw, text=SPEECH_TEXT) == []


def test_check_audio_own_pcm16_wav_has_no_findings(tmp_path: Path, prompt: Processed) -> None:
    wav = write(tmp_path / "welcome.wav", wavfile.pcm16_wav_bytes(prompt.pcm))
    assert check_file(wav, text=SPEECH_TEXT) == []


def test_check_audio_processed_tone_has_no_findings(tmp_path: Path) -> None:
    x = np.concatenate([silence(0.3, 16000), tone(440, 1.0, 16000, dbov=-8), silence(1.0, 16000)])
    p = process(x, 16000, AudioSettings())
    wav = write(tmp_path / "beep.wav", wavfile.g711_wav_bytes(p.pcm, "ulaw"))
    assert check_file(wav) == []


@pytest.mark.parametrize(
    ("profile", "name", "kind"),
    [
        ("asterisk", "main/welcome.ulaw", "ulaw"),
        ("asterisk", "main/welcome.alaw", "alaw"),
        ("asterisk", "main/welcome.wav", "pcm16"),
        ("asterisk", "main/welcome.sln", "sln"),
        ("freeswitch", "en/us/acme/ivr/8000/welcome.wav", "pcm16"),
        ("freeswitch", "en/us/acme/ivr/8000/welcome.wav", "ulaw-wav"),
        ("freeswitch", "welcome.PCMU", "ulaw"),
        ("amazon-connect", "welcome.wav", "ulaw-wav"),
        ("genesys", "main_welcome.wav", "alaw-wav"),
        ("cisco-uccx", "welcome.wav", "alaw-wav"),
        ("avaya", "welcome.wav", "ulaw-wav"),
    ],
)
def test_validate_paths_platform_format_passes_its_profile(
    tmp_path: Path, prompt: Processed, profile: ProfileName, name: str, kind: str
) -> None:
    data = {
        "ulaw": wavfile.raw_bytes(prompt.pcm, "ulaw"),
        "alaw": wavfile.raw_bytes(prompt.pcm, "alaw"),
        "sln": prompt.pcm.astype("<i2").tobytes(),
        "pcm16": wavfile.pcm16_wav_bytes(prompt.pcm),
        "ulaw-wav": wavfile.g711_wav_bytes(prompt.pcm, "ulaw"),
        "alaw-wav": wavfile.g711_wav_bytes(prompt.pcm, "alaw"),
    }[kind]
    write(tmp_path / "set" / name, data)
    write(tmp_path / "set" / "manifest.json", b"{}")
    write(tmp_path / "set" / "core-sounds-en.txt", b"welcome: Welcome\n")
    found = validate_paths([tmp_path / "set"], profile)
    # Files that are not audio are named, never skipped without a word: warnings only.
    assert sorted((Path(f.path).name, f.check, f.severity) for f in found) == [
        ("core-sounds-en.txt", "not-judged", "warning"),
        ("manifest.json", "not-judged", "warning"),
    ]


def test_profile_rules_every_profile_names_its_platform() -> None:
    for name in PROFILE_NAMES:
        rules = profile_rules(name, RULES)
        assert rules.platform == name
        assert rules.sample_rate == 8000
        assert ".wav" in rules.formats


def test_rules_from_settings_carry_project_levels_and_limits() -> None:
    rules = Rules.from_settings(
        AudioSettings(level_dbov=-20.0, level_tolerance_db=1.0, trail_pad_ms=900),
        LimitSettings(min_seconds=1.0, max_seconds=9.0),
    )
    assert (rules.level_dbov, rules.level_tolerance_db) == (-20.0, 1.0)
    assert (rules.min_seconds, rules.max_seconds) == (1.0, 9.0)
    assert rules.warn_trail_silence_s == pytest.approx(1.15)
    assert (rules.max_lead_silence_s, rules.max_trail_silence_s) == (1.0, 2.0)
    assert rules.source("max_seconds") == "[limits].max_seconds"
    assert rules.edge_severity == "error"


# --- broken corpus ----------------------------------------------------------------------------


def test_check_audio_ulaw_wav_for_asterisk_quotes_asterisk_error(
    tmp_path: Path, prompt: Processed
) -> None:
    wav = write(tmp_path / "welcome.wav", wavfile.g711_wav_bytes(prompt.pcm, "ulaw"))
    found = check_file(wav, profile_rules("asterisk", RULES))
    assert checks(found) == ["codec"]
    f = found[0]
    assert f.severity == "error"
    assert f.message.startswith(
        "G.711 mu-law (WAV mu-law 8-bit 8000 Hz 1 ch) in a .wav file; asterisk wants 16-bit PCM"
    )
    assert '"Not a supported wav file format (7)"' in f.message
    assert "ship raw .ulaw instead" in f.message


def test_check_audio_pcm_wav_for_amazon_connect_wants_ulaw(
    tmp_path: Path, prompt: Processed
) -> None:
    wav = write(tmp_path / "welcome.wav", wavfile.pcm16_wav_bytes(prompt.pcm))
    f = only(check_file(wav, profile_rules("amazon-connect", RULES)), "codec")
    assert "amazon-connect wants G.711 mu-law in .wav" in f.message
    assert "sox IN -r 8000 -c 1 -e u-law OUT.wav" in f.message


def test_check_audio_16khz_wav_is_a_rate_error(tmp_path: Path) -> None:
    x = tone(440, 1.0, 16000, dbov=-26)
    wav = write(tmp_path / "hi.wav", wavfile.pcm16_wav_bytes(pcm16(x), 16000))
    f = only(check_file(wav), "rate")
    assert f.severity == "error"
    assert f.message == (
        "sample rate is 16000 Hz; generic needs 8000 Hz; resample it (sox IN -r 8000 OUT)"
    )


def test_check_audio_stereo_wav_is_a_channels_error(tmp_path: Path) -> None:
    x = pcm16(faded(tone(440, 1.0, dbov=-26)))
    path = tmp_path / "stereo.wav"
    soundfile.write(str(path), np.stack([x, x], axis=1), 8000, subtype="PCM_16")
    found = check_file(path)
    assert checks(found) == ["channels"]
    assert found[0].message.startswith("2 channels; generic needs 1 (mono)")


def test_check_audio_clipped_tone_is_a_clipping_error(tmp_path: Path) -> None:
    x = np.clip(tone(440, 1.0, dbov=0.0), -0.9, 0.9) / np.float32(0.9)
    wav = write(tmp_path / "loud.wav", wavfile.g711_wav_bytes(pcm16(x), "ulaw"))
    found = check_file(wav)
    f = only(found, "clipping")
    assert f.severity == "error"
    assert "samples clipped at full scale in 880 run(s) of >= 3" in f.message
    assert "peak" not in checks(found)


def test_check_audio_hot_but_unclipped_tone_warns_about_peak(tmp_path: Path) -> None:
    wav = write(tmp_path / "hot.wav", wavfile.pcm16_wav_bytes(pcm16(tone(440, 1.0, dbov=-3.5))))
    f = only(check_file(wav, dataclasses.replace(RULES, level_dbov=None)), "peak")
    assert f.severity == "warning"
    assert f.message.startswith("peak is -0.49 dBFS; keep at least 1 dB headroom")


@pytest.mark.parametrize("codec", ["ulaw", "alaw"])
def test_check_audio_digital_silence_is_silent_error(tmp_path: Path, codec: Codec) -> None:
    raw = write(tmp_path / f"quiet.{codec}", wavfile.raw_bytes(pcm16(silence(2.0)), codec))
    found = check_file(raw)
    assert checks(found) == ["silent"]
    assert found[0].message.startswith("no sound: digital silence")


def test_check_audio_dc_only_is_silent_error_naming_the_offset(tmp_path: Path) -> None:
    wav = write(tmp_path / "dc.wav", wavfile.pcm16_wav_bytes(np.full(16000, 3277, np.int16)))
    f = only(check_file(wav), "silent")
    assert f.message.startswith("no sound: only a constant DC offset at -20.0 dBFS")


def test_check_audio_dc_offset_under_speech_is_an_error(tmp_path: Path, prompt: Processed) -> None:
    x = speechlike(prompt) + np.float32(0.05)
    wav = write(tmp_path / "dc.wav", wavfile.pcm16_wav_bytes(pcm16(x)))
    found = check_file(wav)
    f = only(found, "dc")
    assert f.message.startswith("DC offset of -26.0 dBFS (limit -30 dBFS, built in)")
    assert f.severity == "error"


def test_check_audio_three_seconds_lead_silence_is_an_error(
    tmp_path: Path, prompt: Processed
) -> None:
    x = np.concatenate([silence(3.0), speechlike(prompt)])
    wav = write(tmp_path / "late.wav", wavfile.g711_wav_bytes(pcm16(x), "ulaw"))
    found = check_file(wav)
    assert checks(found) == ["lead-silence"]
    assert found[0].severity == "error"
    assert found[0].message.startswith(
        "3.05 s of silence before the first sound (max 1 s, the default); trim the start"
    )


def test_check_audio_lead_silence_over_pad_but_under_limit_warns(
    tmp_path: Path, prompt: Processed
) -> None:
    x = np.concatenate([silence(0.7), speechlike(prompt)])
    wav = write(tmp_path / "late.wav", wavfile.g711_wav_bytes(pcm16(x), "ulaw"))
    f = only(check_file(wav), "lead-silence")
    assert f.severity == "warning"
    assert f.message.startswith("0.75 s of silence before the first sound (max 0.5 s, the default)")


def test_check_audio_long_tail_silence_is_an_error(tmp_path: Path, prompt: Processed) -> None:
    x = np.concatenate([speechlike(prompt), silence(2.0)])
    wav = write(tmp_path / "tail.wav", wavfile.pcm16_wav_bytes(pcm16(x)))
    f = only(check_file(wav), "trail-silence")
    assert f.severity == "error"
    assert f.message.startswith("2.2")
    assert " s of silence after the last sound (max 2 s, the default)" in f.message


def test_check_audio_build_rules_name_the_project_keys(tmp_path: Path, prompt: Processed) -> None:
    x = np.concatenate([speechlike(prompt), silence(1.0)])
    wav = write(tmp_path / "tail.wav", wavfile.pcm16_wav_bytes(pcm16(x)))
    rules = Rules.from_settings(AudioSettings(), LimitSettings(max_trail_silence_s=1.1))
    f = only(check_file(wav, rules), "trail-silence")
    assert f.severity == "error"
    assert "(max 1.1 s, [limits].max_trail_silence_s); trim the end" in f.message


def test_check_audio_truncated_data_chunk_is_header_error(
    tmp_path: Path, prompt: Processed
) -> None:
    data = wavfile.g711_wav_bytes(prompt.pcm, "alaw")
    wav = write(tmp_path / "cut.wav", data[: len(data) // 2])
    found = check_file(wav)
    headers = [f for f in found if f.check == "header"]
    assert all(f.severity == "error" for f in headers)
    n = prompt.pcm.size
    follow = len(data) // 2 - 58
    assert any(
        f.message.startswith(f"data chunk says {n} bytes but only {follow} follow; ")
        for f in headers
    )


def test_check_audio_riff_size_lie_is_header_error(tmp_path: Path, prompt: Processed) -> None:
    data = bytearray(wavfile.g711_wav_bytes(prompt.pcm, "ulaw"))
    struct.pack_into("<I", data, 4, 0x7FFFF000)
    wav = write(tmp_path / "liar.wav", bytes(data))
    found = check_file(wav)
    assert checks(found) == ["header"]
    assert found[0].message == (
        f"RIFF size field says {0x7FFFF000 + 8} bytes but the file has {len(data)}; "
        "rewrite the file with a correct header"
    )


def test_check_audio_fact_count_lie_is_header_error(tmp_path: Path, prompt: Processed) -> None:
    data = bytearray(wavfile.g711_wav_bytes(prompt.pcm, "ulaw"))
    struct.pack_into("<I", data, 46, 12)
    wav = write(tmp_path / "fact.wav", bytes(data))
    f = only(check_file(wav), "header")
    assert f.message == f"fact chunk says 12 samples but the data chunk holds {prompt.pcm.size}"


def test_check_audio_raw_ulaw_with_riff_header_is_header_error(
    tmp_path: Path, prompt: Processed
) -> None:
    raw = write(tmp_path / "welcome.ulaw", wavfile.g711_wav_bytes(prompt.pcm, "ulaw"))
    found = check_file(raw, profile_rules("asterisk", RULES))
    f = only(found, "header")
    assert f.severity == "error"
    assert f.message.startswith("headerless .ulaw file starts with a RIFF (WAV) header")
    assert "sox in.wav -t ul out.ulaw" in f.message


def test_check_audio_level_off_target_warns_with_measured_value(
    tmp_path: Path, prompt: Processed
) -> None:
    x = speechlike(prompt) * np.float32(10 ** (-10 / 20))
    wav = write(tmp_path / "soft.wav", wavfile.pcm16_wav_bytes(pcm16(x)))
    f = only(check_file(wav), "level")
    assert f.severity == "error"
    assert f.message.startswith(
        "active speech level (P.56) is -36.0 dBov; target is -26 dBov (the default) "
        "+/- 6 dB (the default)"
    )


def test_check_audio_level_slightly_off_target_warns(tmp_path: Path, prompt: Processed) -> None:
    x = speechlike(prompt) * np.float32(10 ** (-3 / 20))
    wav = write(tmp_path / "soft.wav", wavfile.pcm16_wav_bytes(pcm16(x)))
    f = only(check_file(wav), "level")
    assert f.severity == "warning"
    assert f.message.startswith("active speech level (P.56) is -29.0 dBov; target is -26 dBov")


def test_check_audio_build_rules_level_off_tolerance_is_an_error(
    tmp_path: Path, prompt: Processed
) -> None:
    x = speechlike(prompt) * np.float32(10 ** (-3 / 20))
    wav = write(tmp_path / "soft.wav", wavfile.pcm16_wav_bytes(pcm16(x)))
    rules = Rules.from_settings(AudioSettings(), LimitSettings())
    f = only(check_file(wav, rules), "level")
    assert f.severity == "error"
    assert "target is -26 dBov ([audio].level_dbov) +/- 2 dB ([audio].level_tolerance_db)" in (
        f.message
    )


def test_check_audio_no_level_target_usual_level_passes(tmp_path: Path, prompt: Processed) -> None:
    x = speechlike(prompt) * np.float32(0.5)  # 6 dB under the -26 dBov prompt
    wav = write(tmp_path / "soft.wav", wavfile.pcm16_wav_bytes(pcm16(x)))
    assert "level" not in checks(check_file(wav, dataclasses.replace(RULES, level_dbov=None)))


def test_check_audio_no_level_target_unusual_level_is_warning(
    tmp_path: Path, prompt: Processed
) -> None:
    x = speechlike(prompt) * np.float32(0.2)  # 14 dB under the -26 dBov prompt
    wav = write(tmp_path / "soft.wav", wavfile.pcm16_wav_bytes(pcm16(x)))
    f = only(check_file(wav, dataclasses.replace(RULES, level_dbov=None)), "level")
    assert f.severity == "warning"
    assert f.message.endswith(
        "dBov, outside the usual -36 to -16 dBov (built in); check it, or give --level"
    )


def test_check_audio_no_level_target_inaudible_is_error(tmp_path: Path, prompt: Processed) -> None:
    x = speechlike(prompt) * np.float32(0.01)  # 40 dB under the -26 dBov prompt
    wav = write(tmp_path / "faint.wav", wavfile.pcm16_wav_bytes(pcm16(x)))
    f = only(check_file(wav, dataclasses.replace(RULES, level_dbov=None)), "level")
    assert f.severity == "error"
    assert "a caller cannot hear it (floor -46 dBov, 20 dB under the -26 dBov nominal" in f.message


def test_check_audio_text_far_longer_than_audio_is_speaking_rate_warning(
    tmp_path: Path, prompt: Processed
) -> None:
    wav = write(tmp_path / "welcome.wav", wavfile.pcm16_wav_bytes(prompt.pcm))
    found = check_file(wav, text=SPEECH_TEXT * 4)
    f = only(found, "speaking-rate")
    assert f.severity == "warning"
    assert "chars/s (too fast: words may be missing; plausible 4-30, built in)" in f.message


def test_check_audio_short_text_skips_speaking_rate(tmp_path: Path, prompt: Processed) -> None:
    wav = write(tmp_path / "welcome.wav", wavfile.pcm16_wav_bytes(prompt.pcm))
    assert check_file(wav, text="Hi") == []


def test_check_audio_too_short_and_too_long_are_duration_errors(tmp_path: Path) -> None:
    short = write(
        tmp_path / "s.wav", wavfile.pcm16_wav_bytes(pcm16(faded(tone(440, 0.05, dbov=-26))))
    )
    assert only(check_file(short), "duration").message.startswith(
        "lasts 0.15 s; shorter than the 0.2 s minimum (the default)"
    )
    long = write(
        tmp_path / "l.wav", wavfile.g711_wav_bytes(pcm16(faded(tone(440, 301, dbov=-26))), "ulaw")
    )
    f = only(check_file(long, profile_rules("amazon-connect", RULES)), "duration")
    assert f.message.startswith("lasts 301.1 s; longer than the 60 s maximum (the default)")


def test_check_audio_prompt_limit_names_its_prompt_key(tmp_path: Path) -> None:
    wav = write(tmp_path / "l.wav", wavfile.pcm16_wav_bytes(pcm16(faded(tone(440, 3.0, dbov=-26)))))
    base = Rules.from_settings(AudioSettings(), LimitSettings(max_seconds=20.0))
    f = only(check_file(wav, prompt_rules(base, 3, None, 2.0)), "duration")
    assert (
        f.message
        == "lasts 3.1 s; longer than the 2 s maximum (prompts[3].max_seconds); split the prompt"
    )


def test_check_audio_connect_limit_applies_when_base_allows_more(tmp_path: Path) -> None:
    long = write(
        tmp_path / "l.wav", wavfile.g711_wav_bytes(pcm16(faded(tone(440, 301, dbov=-26))), "ulaw")
    )
    base = dataclasses.replace(RULES, max_seconds=3600.0)
    f = only(check_file(long, profile_rules("amazon-connect", base)), "duration")
    assert "longer than the 300 s maximum (the amazon-connect profile)" in f.message


def test_check_audio_file_over_size_limit_is_size_error(tmp_path: Path, prompt: Processed) -> None:
    wav = write(tmp_path / "welcome.wav", wavfile.g711_wav_bytes(prompt.pcm, "ulaw"))
    rules = dataclasses.replace(profile_rules("avaya", RULES), max_file_bytes=1000)
    f = only(check_file(wav, rules), "size")
    assert f.message == (
        f"file is {wav.stat().st_size:,} bytes; avaya accepts at most 1,000; "
        "shorten or split the prompt"
    )


@pytest.mark.parametrize(
    ("profile", "stem", "expected"),
    [
        ("genesys", "1st-menu", "breaks genesys's naming rule (letters, digits and '_', starting"),
        ("genesys", "g" * 201, "is 201 characters; genesys allows at most 200"),
        ("avaya", "a_very_long_announcement_name", "is 29 characters; avaya allows at most 27"),
        ("asterisk", "main menu", "breaks asterisk's naming rule (no spaces, '&'"),
    ],
)
def test_check_audio_bad_name_for_profile_is_name_error(
    tmp_path: Path, prompt: Processed, profile: ProfileName, stem: str, expected: str
) -> None:
    data = (
        wavfile.raw_bytes(prompt.pcm, "ulaw")
        if profile == "asterisk"
        else wavfile.g711_wav_bytes(prompt.pcm, "ulaw")
    )
    path = write(tmp_path / f"{stem}.{'ulaw' if profile == 'asterisk' else 'wav'}", data)
    f = only(check_file(path, profile_rules(profile, RULES)), "name")
    assert expected in f.message


def test_check_audio_flac_is_not_a_prompt_format(tmp_path: Path) -> None:
    src = write(
        tmp_path / "in.wav", wavfile.pcm16_wav_bytes(pcm16(faded(tone(440, 1.0, dbov=-26))))
    )
    flac = tmp_path / "prompt.flac"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(src), str(flac)], check=True)
    found = check_file(flac, profile_rules("asterisk", RULES))
    assert checks(found) == ["codec"]
    assert found[0].message.startswith(
        ".flac (flac 8000 Hz 1 ch) is not a prompt format for asterisk; use one of .al, .alaw"
    )


def test_validate_paths_collects_every_problem_without_raising(
    tmp_path: Path, prompt: Processed
) -> None:
    root = tmp_path / "dist"
    write(root / "ok.ulaw", wavfile.raw_bytes(prompt.pcm, "ulaw"))
    write(root / "sub" / "garbage.wav", b"not audio at all")
    write(root / "sub" / "hi.wav", wavfile.pcm16_wav_bytes(prompt.pcm, 16000))
    write(root / "manifest.json", b"{}")
    found = validate_paths([root, tmp_path / "missing.ulaw"], None)
    assert sorted((Path(f.path).name, f.check) for f in found) == [
        ("garbage.wav", "read"),
        ("hi.wav", "rate"),
        ("manifest.json", "not-judged"),
        ("missing.ulaw", "read"),
    ]
    garbage = next(f for f in found if f.path.endswith("garbage.wav"))
    assert garbage.message.endswith("not a RIFF/WAVE file; convert it with sox to a standard .wav")
    assert str(found[0]).startswith(f"{found[0].path}: error: ")


def test_check_audio_abrupt_start_and_end_are_edge_findings(tmp_path: Path) -> None:
    wav = write(tmp_path / "cut.wav", wavfile.pcm16_wav_bytes(pcm16(tone(440, 1.0, dbov=-26))))
    found = [f for f in check_file(wav) if f.check == "edge"]
    assert [f.severity for f in found] == ["warning", "warning"]
    assert found[0].message == (
        "starts abruptly: peak -23.0 dBFS in its first 20 ms (limit -50 dBFS, built in); it "
        "clicks where prompts join; keep a pad of silence and fade the cut"
    )
    assert found[1].message.startswith("ends abruptly: peak -23.0 dBFS in its last 20 ms")
    build = Rules.from_settings(AudioSettings(), LimitSettings())
    assert {f.severity for f in check_file(wav, build) if f.check == "edge"} == {"error"}


def test_check_audio_faded_tone_has_no_edge_finding(tmp_path: Path) -> None:
    wav = write(
        tmp_path / "ok.wav", wavfile.pcm16_wav_bytes(pcm16(faded(tone(440, 1.0, dbov=-26))))
    )
    assert "edge" not in checks(check_file(wav))
