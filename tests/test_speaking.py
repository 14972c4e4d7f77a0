"""The verbalizing filters, per locale, against the libraries' own output (num2words,
unicode-rbnf and Babel called here directly), and their errors, line for line."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from babel.dates import get_month_names, get_period_names
from babel.numbers import format_currency, get_currency_name
from num2words import num2words
from unicode_rbnf import FormatPurpose, RbnfEngine

from ivr_prompts import config
from ivr_prompts.errors import ConfigError, PreflightFailed
from ivr_prompts.text import render
from ivr_prompts.text.render import Rendered

LOCALES = {"en-US": "en", "es-ES": "es", "de-DE": "de", "fr-FR": "fr", "hi-IN": "hi", "ta-IN": "ta"}
N2W = ("en", "es", "de", "fr")  # num2words speaks these; unicode-rbnf hi and ta
PROMPTS = {
    "zero": "{{ 0 | number }}",
    "negative": "{{ -42 | number }}",
    "decimal": "{{ 1250.75 | number }}",
    "negative-decimal": '{{ "-0.5" | number }}',
    "large": "{{ 123456789012 | number }}",
    "ordinal": "{{ 3 | ordinal }}",
    "digits": '{{ "4417 123" | digits }}',
    "grouped": '{{ "44171234567" | digits("4-3-4") }}',
    "characters": '{{ "AB12" | characters }}',
    "leap-day": '{{ "2028-02-29" | date }}',
    "midnight": '{{ "00:00" | time }}',
    "noon": '{{ "12:00" | time }}',
    "money": '{{ 1250.5 | money("EUR") }}',
    "money-zero": '{{ 0 | money("EUR") }}',
}


def project(root: Path, prompts: dict[str, str], locales: dict[str, str] = LOCALES) -> Path:
    lines = ['[project]\nname = "t"\n[synth]\nengine = "espeak"\n']
    lines += [f'[locales.{code}]\nlanguage = "{lang}"\n' for code, lang in locales.items()]
    lines += [f"[[prompts]]\nid = {pid!r}\ntext = '{text}'\n" for pid, text in prompts.items()]
    path = root / "prompts.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def said(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Rendered]:
    path = project(tmp_path_factory.mktemp("speaking"), PROMPTS)
    return {(r.id, r.locale): r for r in render.render_all(config.load(path))}


def lib(number: int | Decimal, language: str, to: str = "cardinal") -> str:
    """The library's own words: num2words for en, es, de, fr; CLDR RBNF for hi, ta."""
    if language in N2W:
        return " ".join(str(num2words(number, lang=language, to=to)).split())
    purpose = FormatPurpose.ORDINAL if to == "ordinal" else None
    return str(RbnfEngine.for_language(language).format_number(number, purpose).text)


def minus(language: str) -> str:
    return lib(-1, language).removesuffix(lib(1, language)).strip()


def babel(code: str) -> str:
    return code.replace("-", "_")


@pytest.mark.parametrize("code", LOCALES)
def test_speaking_numbers_match_the_library(
    said: dict[tuple[str, str], Rendered], code: str
) -> None:
    lang = LOCALES[code]
    assert said[("zero", code)].spoken == lib(0, lang)
    assert said[("negative", code)].spoken == lib(-42, lang)
    assert said[("decimal", code)].spoken == lib(Decimal("1250.75"), lang)
    assert said[("negative-decimal", code)].spoken == f"{minus(lang)} {lib(Decimal('0.5'), lang)}"
    assert said[("large", code)].spoken == lib(123456789012, lang)
    assert said[("ordinal", code)].spoken == lib(3, lang, "ordinal")
    digits = [lib(int(d), lang) for d in "44171234567"]
    assert said[("digits", code)].spoken == " ".join(digits[:7])
    grouped = f"{' '.join(digits[:4])}, {' '.join(digits[4:7])}, {' '.join(digits[7:])}"
    assert said[("grouped", code)].spoken == grouped
    assert said[("grouped", code)].text == "4417 123 4567"
    assert said[("characters", code)].spoken == f"A B {lib(1, lang)} {lib(2, lang)}"


def test_speaking_negative_decimal_keeps_its_sign_where_num2words_drops_it(
    said: dict[tuple[str, str], Rendered],
) -> None:
    # num2words(-0.5) says "zero point five": the sign is said in the library's own word.
    assert num2words(Decimal("-0.5"), lang="en") == "zero point five"
    assert said[("negative-decimal", "en-US")].spoken == "minus zero point five"
    assert said[("negative-decimal", "en-US")].text == "-0.5"
    assert said[("decimal", "de-DE")].text == "1.250,75"


LEAP_DAY = {
    "en": lambda m: f"{m} {lib(29, 'en', 'ordinal')}, {lib(2028, 'en', 'year')}",
    "es": lambda m: f"{lib(29, 'es')} de {m} de {lib(2028, 'es', 'year')}",
    "de": lambda m: f"{lib(29, 'de', 'ordinal')} {m} {lib(2028, 'de', 'year')}",
    "fr": lambda m: f"{lib(29, 'fr')} {m} {lib(2028, 'fr', 'year')}",
    "hi": lambda m: f"{lib(29, 'hi')} {m} {lib(2028, 'hi')}",
    "ta": lambda m: f"{lib(29, 'ta')} {m}, {lib(2028, 'ta')}",
}


@pytest.mark.parametrize("code", LOCALES)
def test_speaking_leap_day_in_the_locales_long_form(
    said: dict[tuple[str, str], Rendered], code: str
) -> None:
    month = get_month_names("wide", "format", locale=babel(code))[2]
    assert said[("leap-day", code)].spoken == LEAP_DAY[LOCALES[code]](month)


# 12-hour locales say the hour and CLDR's day period ("twelve midnight"); 24-hour ones the hour
# and CLDR's unit for hours ("zéro heure"), German its clock's "Uhr".
MIDNIGHT_NOON: dict[str, tuple[str, str]] = {
    "en-US": ("twelve midnight", "twelve noon"),
    "es-ES": ("cero horas", "doce horas"),
    "de-DE": ("null Uhr", "zwölf Uhr"),
    "fr-FR": ("zéro heure", "douze heures"),
}


@pytest.mark.parametrize("code", LOCALES)
def test_speaking_midnight_and_noon(said: dict[tuple[str, str], Rendered], code: str) -> None:
    lang = LOCALES[code]
    if code in MIDNIGHT_NOON:
        expected = MIDNIGHT_NOON[code]
    else:  # hi-IN, ta-IN: 12-hour, CLDR's own names for midnight (and noon where it has one)
        names = get_period_names("abbreviated", "format", locale=babel(code))
        twelve = lib(12, lang)
        noon = names["noon"] if "noon" in names else names["pm"]
        expected = (f"{twelve} {names['midnight']}", f"{twelve} {noon}")
    assert (said[("midnight", code)].spoken, said[("noon", code)].spoken) == expected
    assert lib(12, "en") == "twelve"


@pytest.mark.parametrize("code", LOCALES)
def test_speaking_money_in_the_locales_words(
    said: dict[tuple[str, str], Rendered], code: str
) -> None:
    lang = LOCALES[code]
    amount = Decimal("1250.5")
    if lang in N2W:
        words = num2words(amount, lang=lang, to="currency", currency="EUR")
        zero = num2words(Decimal(0), lang=lang, to="currency", currency="EUR")
    else:  # no num2words: the amount in words and CLDR's name of the currency
        words = f"{lib(amount, lang)} {get_currency_name('EUR', count=amount, locale=babel(code))}"
        zero = f"{lib(0, lang)} {get_currency_name('EUR', count=0, locale=babel(code))}"
    assert said[("money", code)].spoken == " ".join(words.split())
    assert said[("money-zero", code)].spoken == " ".join(zero.split())
    # Transcripts are whitespace-normalised like all text: CLDR's no-break spaces become spaces.
    shown = format_currency(amount, "EUR", locale=babel(code))
    assert said[("money", code)].text == " ".join(shown.split())


def test_speaking_transcripts_as_the_locale_writes_them(
    said: dict[tuple[str, str], Rendered],
) -> None:
    assert said[("money", "en-US")].text == "€1,250.50"
    assert said[("money", "de-DE")].text == "1.250,50 €"
    assert said[("leap-day", "en-US")].text == "February 29, 2028"
    assert said[("noon", "en-US")].text == "12:00 PM"
    assert (
        said[("money", "en-US")].spoken == "one thousand, two hundred and fifty euro, fifty cents"
    )


def test_speaking_time_and_telephone_in_english(tmp_path: Path) -> None:
    prompts = {
        "a": '{{ "14:05" | time }}, {{ "14:30" | time(hours=24) }}',
        "b": '{{ "202-555-0123" | phone }}',
    }
    rendered = render.render_all(config.load(project(tmp_path, prompts, {"en-US": "en"})))
    assert [(r.text, r.spoken) for r in rendered] == [
        ("2:05 PM, 14:30", "two oh five PM, fourteen thirty"),
        ("(202) 555-0123", "two zero two, five five five, zero one two three"),
    ]


def errors(tmp_path: Path, template: str, lang: str = "en", code: str = "en-US") -> list[str]:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "acct.j2").write_text(textwrap.dedent(template), encoding="utf-8")
    toml = f"""
        [project]
        name = "t"
        [synth]
        engine = "espeak"
        [locales.{code}]
        language = "{lang}"
        [[prompts]]
        id = "account/balance"
        template = "acct.j2"
        """
    (tmp_path / "prompts.toml").write_text(textwrap.dedent(toml), encoding="utf-8")
    with pytest.raises(PreflightFailed) as info:
        render.render_all(config.load(tmp_path / "prompts.toml"))
    return info.value.problems


def test_speaking_number_not_a_number_names_prompt_locale_line_value_and_form(
    tmp_path: Path,
) -> None:
    assert errors(tmp_path, 'Your balance\nis {{ "12a" | number }}.\n') == [
        "prompt 'account/balance' [en-US]: templates/acct.j2:2: number: cannot read '12a' as a "
        "number; give a number like 1250.5 or -3 (digits, an optional minus sign and decimal "
        "point)"
    ]


def test_speaking_date_out_of_range_named(tmp_path: Path) -> None:
    assert errors(tmp_path, 'Due {{ "2026-13-40" | date }}.\n') == [
        "prompt 'account/balance' [en-US]: templates/acct.j2:1: date: cannot read '2026-13-40' "
        "as a date (month must be in 1..12); give a date like 2026-04-03 (year-month-day)"
    ]


def test_speaking_no_leap_day_in_2027(tmp_path: Path) -> None:
    assert errors(tmp_path, '{{ "2027-02-29" | date }}\n') == [
        "prompt 'account/balance' [en-US]: templates/acct.j2:1: date: cannot read '2027-02-29' "
        "as a date (day is out of range for month); give a date like 2026-04-03 (year-month-day)"
    ]


def test_speaking_unknown_currency_named(tmp_path: Path) -> None:
    assert errors(tmp_path, '\n\n{{ 12 | money("EUX") }}\n') == [
        "prompt 'account/balance' [en-US]: templates/acct.j2:3: money: unknown currency code "
        "'EUX'; give an ISO 4217 code like EUR, USD or INR"
    ]


def test_speaking_language_no_library_covers_is_an_error_never_english(tmp_path: Path) -> None:
    assert errors(tmp_path, "{{ 5 | number }}\n", lang="mr", code="mr-IN") == [
        "prompt 'account/balance' [mr-IN]: templates/acct.j2:1: number: no library says numbers "
        "in language 'mr' (num2words and unicode-rbnf do not cover it); write the words in the "
        "text"
    ]


def test_speaking_per_locale_value_overrides_the_matrix(tmp_path: Path) -> None:
    toml = """
        [project]
        name = "t"
        [synth]
        engine = "espeak"
        [locales.en-US]
        language = "en"
        [locales.fr-FR]
        language = "fr"
        [locales.fr-FR.prompts."digits/1"]
        n = "une"
        [[prompts]]
        id = "digits/{{ n }}"
        text = "{{ n }}"
        matrix = { n = [1, 2] }
        """
    (tmp_path / "prompts.toml").write_text(textwrap.dedent(toml), encoding="utf-8")
    rendered = render.render_all(config.load(tmp_path / "prompts.toml"))
    assert [(r.id, r.locale, r.text) for r in rendered] == [
        ("digits/1", "en-US", "1"),
        ("digits/1", "fr-FR", "une"),
        ("digits/2", "en-US", "2"),
        ("digits/2", "fr-FR", "2"),
    ]


def test_speaking_per_locale_value_for_an_unknown_id_names_its_key(tmp_path: Path) -> None:
    toml = """
        [project]
        name = "t"
        [synth]
        engine = "espeak"
        [locales.fr-FR]
        language = "fr"
        [locales.fr-FR.prompts."digit/1"]
        n = "une"
        [locales.fr-FR.prompts."digits/2"]
        n = 2
        [locales.fr-FR.prompts."digits/3"]
        values = "une"
        [[prompts]]
        id = "digits/{{ n }}"
        text = "{{ n }}"
        matrix = { n = [1, 2] }
        """
    (tmp_path / "prompts.toml").write_text(textwrap.dedent(toml), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        render.render_all(config.load(tmp_path / "prompts.toml"))
    assert info.value.problems == [
        "prompts.toml: locales.fr-FR.prompts.'digit/1': no prompt with id 'digit/1' is spoken in "
        "fr-FR; give an id as `render` lists it",
        "prompts.toml: locales.fr-FR.prompts.'digits/3': no prompt with id 'digits/3' is spoken "
        "in fr-FR; give an id as `render` lists it",
    ]
    assert [p.line for p in info.value.found] == [8, 12]


def test_speaking_library_versions_fingerprinted_as_installed() -> None:
    from importlib.metadata import version

    from ivr_prompts.text.libraries import versions

    expected = {
        f"{name}-{version(name)}.dist-info"
        for name in ("num2words", "unicode_rbnf", "babel", "phonenumbers")
    }
    assert set(versions()) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "{{ 1000000000000000000000000 | number }}",
            "number: 1000000000000000000000000 has too many digits to say; give at most 24",
        ),
        (
            "{{ 5 | money }}",
            'money: 5 has no currency; name it, like {{ 5 | money("EUR") }} (an ISO 4217 code)',
        ),
        (
            '{{ 1.005 | money("EUR") }}',
            "money: '1.005 EUR' has more decimals than EUR has (2)",
        ),
        (
            '{{ "12:61" | time }}',
            "time: cannot read '12:61' as a time; give a time like 14:30 (24-hour hours:minutes)",
        ),
        (
            '{{ "1234" | digits("2-3") }}',
            "digits: grouping 2-3 is for 5 digits; '1234' has 4",
        ),
        (
            "{{ -2 | ordinal }}",
            "ordinal: cannot read '-2' as an ordinal; give a whole number of 0 or more, like 3",
        ),
    ],
)
def test_speaking_bad_values_one_line_each(tmp_path: Path, expression: str, message: str) -> None:
    assert errors(tmp_path, expression + "\n") == [
        f"prompt 'account/balance' [en-US]: templates/acct.j2:1: {message}"
    ]
