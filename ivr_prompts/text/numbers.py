"""Numbers in words, per language, from the libraries made for it: num2words first (it knows
regional variants: en_IN, es_CO, fr_CH, pt_BR...), then CLDR's rule-based spell-out
(unicode-rbnf: hi, ta and many more). A language neither covers is refused, never English."""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation
from typing import Any

_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
# Within Decimal's default precision (28 digits) with room for the decimals Babel shows.
MAX_DIGITS = 24
NUMBER_ACCEPTED = "a number like 1250.5 or -3 (digits, an optional minus sign and decimal point)"


class SayError(Exception):
    """A value a filter or a say-as cannot read, or a language no library speaks for it."""


def read_number(value: Any) -> Decimal:
    """An int, a float, a Decimal or a string of digits as a Decimal; SayError otherwise."""
    if isinstance(value, bool):
        raise SayError(f"cannot read {value!r} as a number; give {NUMBER_ACCEPTED}")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # 1250.5, not 1250.5000000000000000000001
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        number = Decimal(value.strip())
    else:
        raise SayError(f"cannot read {value!r} as a number; give {NUMBER_ACCEPTED}")
    if not number.is_finite():
        raise SayError(f"cannot read {value!r} as a number; give {NUMBER_ACCEPTED}")
    if number.adjusted() >= MAX_DIGITS or len(number.as_tuple().digits) > MAX_DIGITS:
        raise SayError(f"{value!r} has too many digits to say; give at most {MAX_DIGITS}")
    return number


def plain(number: Decimal) -> str:
    """The number as digits with no exponent and no trailing decimal zeros ("1250.5", "-3")."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def num2words(number: int | Decimal, **options: Any) -> str:
    """num2words, imported when a prompt first says a number (it loads every language)."""
    from num2words import num2words as spell

    return str(spell(number, **options))


def _n2w_lang(code: str, language: str) -> str | None:
    from num2words import CONVERTER_CLASSES

    regional = code.replace("-", "_")
    for name in (regional, language):
        if name in CONVERTER_CLASSES:
            return name
    return None


@functools.cache
def _rbnf(language: str) -> Any:
    from unicode_rbnf import RbnfEngine

    try:
        return RbnfEngine.for_language(language)
    except ValueError:  # "xx is not supported"
        return None


class Numbers:
    """One locale's number words."""

    def __init__(self, code: str, language: str) -> None:
        self.code = code
        self.language = language
        self.n2w = _n2w_lang(code, language)
        self.rbnf = None if self.n2w else _rbnf(language)
        self._digits: dict[str, str] = {}

    @property
    def library(self) -> str:
        return "num2words" if self.n2w else "unicode-rbnf" if self.rbnf else ""

    def _unsupported(self, what: str) -> SayError:
        return SayError(
            f"no library says {what} in language {self.language!r} (num2words and unicode-rbnf "
            "do not cover it); write the words in the text"
        )

    def _spell(self, number: int | Decimal) -> str:
        if self.n2w is not None:
            return str(num2words(number, lang=self.n2w))
        if self.rbnf is not None:
            try:
                return str(self.rbnf.format_number(number).text)
            except Exception as exc:  # unicode-rbnf's NoRuleForNumberError and kin
                raise SayError(
                    f"unicode-rbnf has no rule for {number} in language {self.language!r} "
                    f"({type(exc).__name__}); write the words in the text"
                ) from None
        raise self._unsupported("numbers")

    @functools.cached_property
    def _minus(self) -> str:
        """The library's own word before a negative number (num2words drops the sign of some
        negative decimals, so the sign is said here, in the library's word for it)."""
        minus = self._spell(-1).removesuffix(self._spell(1)).strip()
        if not minus:
            raise self._unsupported("negative numbers")
        return minus

    def cardinal(self, number: Decimal) -> str:
        """The number in words: negatives, decimals and zero included."""
        magnitude = abs(number)
        value: int | Decimal = (
            int(magnitude)
            if magnitude == magnitude.to_integral_value()
            else Decimal(plain(magnitude))
        )
        try:
            words = _squash(self._spell(value))
        except (OverflowError, InvalidOperation, IndexError, KeyError) as exc:
            raise SayError(
                f"{plain(number)} is too large to say ({exc or 'out of range'})"
            ) from None
        return f"{self._minus} {words}" if number < 0 else words

    def ordinal(self, number: int) -> str:
        """The ordinal in words ("third", "tercero", "dritte", "तीसरा")."""
        if self.n2w is not None:
            try:
                return _squash(str(num2words(number, lang=self.n2w, to="ordinal")))
            except NotImplementedError:
                pass
        rbnf = self.rbnf or _rbnf(self.language)
        if rbnf is not None:
            from unicode_rbnf import FormatPurpose

            try:
                result = rbnf.format_number(number, FormatPurpose.ORDINAL)
            except Exception as exc:  # unicode-rbnf's own NoRuleForNumberError and kin
                raise SayError(
                    f"unicode-rbnf has no ordinal rule for {number} in language "
                    f"{self.language!r} ({type(exc).__name__}); write the words in the text"
                ) from None
            if result.text:
                return _squash(str(result.text))
        raise self._unsupported("ordinal numbers")

    def ordinal_digits(self, number: int) -> str:
        """The ordinal as the transcript shows it ("3rd", "3.", "3º"), else the digits."""
        if self.n2w is not None:
            try:
                return str(num2words(number, lang=self.n2w, to="ordinal_num"))
            except (NotImplementedError, TypeError, AttributeError):
                pass
        return str(number)

    def year(self, year: int) -> str:
        """A year as the language says it ("twenty twenty-six"), else the cardinal."""
        if self.n2w is not None:
            try:
                return _squash(str(num2words(year, lang=self.n2w, to="year")))
            except (NotImplementedError, TypeError, AttributeError):
                pass
        return self.cardinal(Decimal(year))

    def currency(self, amount: Decimal, code: str) -> str | None:
        """num2words' reading of an amount ("one euro, fifty cents"), or None where num2words
        does not know the language or the currency."""
        if self.n2w is None:
            return None
        try:
            words = num2words(amount, lang=self.n2w, to="currency", currency=code)
        except (NotImplementedError, KeyError, TypeError, ValueError):
            return None
        return _squash(str(words))

    def digit(self, digit: str) -> str:
        words = self._digits.get(digit)
        if words is None:
            words = self._digits[digit] = self.cardinal(Decimal(int(digit)))
        return words


def _squash(text: str) -> str:
    return " ".join(text.split())
