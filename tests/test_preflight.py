from __future__ import annotations

from .conftest import BASE_TOML, Project
from .conftest import run_cli as cli
from .test_waves_build import FILES, WAVES_TOML, server, waves_env
from .waves_server import WavesServer

__all__ = ["server"]

BHO = WAVES_TOML.replace(
    "[[prompts]]",
    '[locales.bh-IN]\nlanguage = "bho"\nvoice = "magnus"\nvars = { company = "A", hours = "9" }'
    "\n\n[[prompts]]",
    1,
)
WAVES_LANGS = "en, hi, mr, kn, ta, bn, gu, te, ml, pa, or, es"


def line_of(toml: str, text: str) -> int:
    return toml.splitlines().index(text) + 1


def test_plan_unsupported_waves_language_exit_1_names_language_and_engine(
    make_project: Project,
) -> None:
    path = make_project(BHO, FILES)
    result = cli("plan", "--config", str(path))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: locale bh-IN: Waves lightning_v3.1 does not speak language 'bho'; it speaks "
        f'{WAVES_LANGS} (more on lightning_v3.1_pro), or use engine = "espeak"'
    ]


def test_build_unsupported_language_sends_no_synthesis_request(
    make_project: Project, server: WavesServer
) -> None:
    path = make_project(BHO, FILES)
    result = cli(
        "build", "--config", str(path), env=waves_env("sk_test_0123456789abcdef", server.url)
    )
    assert result.returncode == 1
    assert "does not speak language 'bho'" in result.stderr
    assert server.tts_records() == []
    assert not (path.parent / "dist").exists()


def test_check_github_unsupported_language_points_at_its_line(make_project: Project) -> None:
    path = make_project(BHO, FILES)
    result = cli("check", "--config", str(path), "--format", "github")
    assert result.returncode == 1
    line = line_of(BHO, 'language = "bho"')
    assert result.stdout.splitlines() == [
        f"::error file=prompts.toml,line={line},title=language::locale bh-IN: Waves "
        f"lightning_v3.1 does not speak language 'bho'; it speaks {WAVES_LANGS} (more on "
        'lightning_v3.1_pro), or use engine = "espeak"'
    ]


def test_plan_genesys_profile_refuses_names_before_any_request(make_project: Project) -> None:
    toml = BASE_TOML.replace("[limits]", '[publish]\nprofiles = ["genesys"]\n\n[limits]')
    path = make_project(toml)
    result = cli("plan", "--config", str(path))
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "error: digits/1 [en-US]: name '1' breaks genesys's naming rule (letters, digits and "
        "'_', starting with a letter); rename it",
        "error: digits/1 [es-US]: name '1' breaks genesys's naming rule (letters, digits and "
        "'_', starting with a letter); rename it",
    ]


def test_plan_flat_library_collision_named(make_project: Project) -> None:
    toml = BASE_TOML.replace("[limits]", '[publish]\nprofiles = ["amazon-connect"]\n\n[limits]')
    toml += '\n[[prompts]]\nid = "recharge/info"\ntext = "a"\n'
    toml += '\n[[prompts]]\nid = "balance/info"\ntext = "b"\n'
    result = cli("plan", "--config", str(make_project(toml)))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: balance/info [en-US]: info.wav collides with 'recharge/info' in "
        "amazon-connect's flat prompt library; rename one",
        "error: balance/info [es-US]: info.wav collides with 'recharge/info' in "
        "amazon-connect's flat prompt library; rename one",
    ]


def test_plan_nul_in_text_refused_before_synthesis(make_project: Project) -> None:
    toml = BASE_TOML.replace('text = "{{ hours }}"', 'text = "open\\u0000 {{ hours }}"')
    result = cli("plan", "--config", str(make_project(toml)))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "error: main/hours [en-US]: text holds control character U+0000 at position 4; remove it"
    )


def test_plan_local_text_over_limit_refused_naming_limit(make_project: Project) -> None:
    toml = BASE_TOML.replace('text = "{{ hours }}"', f'text = "{"word " * 500}"')
    result = cli("plan", "--config", str(make_project(toml)))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "error: main/hours [en-US]: 2499 characters, over the 2000-character limit of one "
        "espeak request; split the prompt"
    )


def test_plan_id_beside_its_own_folder_refused(make_project: Project) -> None:
    toml = (
        BASE_TOML
        + '\n[[prompts]]\nid = "x"\ntext = "a"\n\n[[prompts]]\nid = "x.ulaw/y"\ntext = "b"\n'
    )
    result = cli("plan", "--config", str(make_project(toml)))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "error: x.ulaw/y [en-US]: needs the folder asterisk/en/x.ulaw, which is the file of "
        "'x'; rename the prompt"
    )


def test_plan_id_on_index_file_refused(make_project: Project) -> None:
    toml = BASE_TOML + '\n[[prompts]]\nid = "core-sounds-en.txt/x"\ntext = "a"\n'
    result = cli("plan", "--config", str(make_project(toml)))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "error: core-sounds-en.txt/x [en-US]: needs the folder asterisk/en/core-sounds-en.txt, "
        "which is the set's index file asterisk/en/core-sounds-en.txt; rename the prompt"
    )


def test_check_broken_dictionary_github_annotates_file_and_line(make_project: Project) -> None:
    path = make_project(files={"pron/en-US.toml": '"Acme" = "Ack-mee"\n"PIN" = 3\n'})
    result = cli("check", "--config", str(path), "--format", "github")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "::error file=pron/en-US.toml,line=2,title=dictionary::en-US.toml: 'PIN': expected a "
        'respelling string like "ack-mee", got 3'
    ]


def test_check_toml_syntax_error_github_has_line(make_project: Project) -> None:
    path = make_project('[project]\nname = "x"\noutput = \n')
    result = cli("check", "--config", str(path), "--format", "github")
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=prompts.toml,line=3,title=toml::")


def test_render_cli_prints_text_plain_without_emoji(make_project: Project) -> None:
    toml = BASE_TOML.replace('text = "{{ hours }}"', 'text = "all :ok: [bold]x[/bold]"')
    result = cli("render", "--config", str(make_project(toml)), "--only", "main/hours")
    assert result.returncode == 0, result.stderr
    assert "  text:   all :ok: [bold]x[/bold]" in result.stdout.splitlines()


GENESYS = BASE_TOML.replace(
    "[limits]",
    '[publish]\nprofiles = ["genesys"]\n'
    "wav_name = \"p_{{ id | replace('/', '_') }}\"\n\n[limits]",
)


def test_build_genesys_wav_names_pass_validate_profile(make_project: Project) -> None:
    path = make_project(GENESYS)
    assert cli("plan", "--config", str(path)).returncode == 0
    result = cli("build", "--config", str(path))
    assert result.returncode == 0, result.stderr
    wav = path.parent / "dist/wav/en-US"
    assert sorted(p.name for p in wav.glob("*.wav")) == [
        "p_digits_1.wav",
        "p_digits_2.wav",
        "p_main_hours.wav",
        "p_main_welcome.wav",
    ]
    assert "p_main_welcome.wav\tmain/welcome\tWelcome to Acme Bank." in (
        (wav / "index.tsv").read_text().splitlines()
    )
    checked = cli("validate", "--profile", "genesys", str(wav))
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout == (
        "ok: 4 audio file(s) checked, 4 pass; 1 index file(s) of the published set (not audio)\n"
    )


def test_plan_wav_name_giving_unsafe_name_refused(make_project: Project) -> None:
    toml = BASE_TOML.replace("[limits]", '[publish]\nwav_name = "../{{ id }}"\n\n[limits]')
    path = make_project(toml)
    result = cli("plan", "--config", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: prompts.toml: publish.wav_name: gives '../main/welcome' for id 'main/welcome', "
        "which must not contain empty, '.' or '..' segments"
    ]


def test_plan_waves_prompt_over_cap_refused_naming_limit(make_project: Project) -> None:
    toml = WAVES_TOML.replace('text = "We are open {{ hours }}."', f'text = "{"Open. " * 4000}"')
    result = cli("plan", "--config", str(make_project(toml, FILES)))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "error: main/hours [en-US]: 23999 characters, over the 20000-character limit of a "
        "Waves prompt; split the prompt"
    )
