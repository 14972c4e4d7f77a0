"""say-as content -> what the transcript shows and what the engine says, per locale.

Numbers in words come from num2words / unicode-rbnf (text/numbers.py); month and weekday names,
date and time patterns, currency names and symbols from CLDR through Babel; telephone grouping
from libphonenumber (phonenumbers). A locale a library does not cover is a SayError.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .numbers import Numbers, SayError, plain, read_number

if TYPE_CHECKING:
    from babel import Locale

DATE_ACCEPTED = "a date like 2026-04-03 (year-month-day)"
TIME_ACCEPTED = "a time like 14:30 (24-hour hours:minutes)"
_DATE_FORMATS = {
    "ymd": re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    "dmy": re.compile(r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})"),
    "mdy": re.compile(r"(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})[-/.](?P<y>\d{4})"),
}
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(00))?")
_GROUPING = re.compile(r"\d+(?:-\d+)*")
_MONEY = re.compile(r"(?:([A-Za-z]{3})\s*)?([+-]?\d+(?:\.\d+)?)(?:\s*([A-Za-z]{3}))?")
# Day of the month said as an ordinal ("April third", "3. April": "dritte"); French says only
# the first as one ("premier avril"); elsewhere the cardinal.
_ORDINAL_DAY = {"en": "all", "de": "all", "fr": "first"}
# The 24-hour clock's word where CLDR's hour unit is not what a clock says ("14 Stunden").
_CLOCK_WORD = {"de": "Uhr"}


@dataclass(frozen=True, slots=True)
class Said:
    """One say-as: what the transcript shows and what is spoken."""

    display: str
    spoken: str


@functools.cache
def verbalizer(code: str, language: str) -> Verbalizer:
    return Verbalizer(code, language)


class Verbalizer:
    """One locale's readings of numbers, digits, characters, dates, times, money and phones."""

    def __init__(self, code: str, language: str) -> None:
        self.code = code
        self.language = language
        self.numbers = Numbers(code, language)
        self.region = code.split("-")[1].upper() if "-" in code else None
        self._babel_name = _babel_locale(code, language)

    @property
    def babel(self) -> Locale:
        if self._babel_name is None:
            raise SayError(
                f"CLDR (Babel) has no locale {self.code!r} or language {self.language!r} for "
                "dates, times and currencies; write the words in the text"
            )
        return self._babel_name

    def say(self, kind: str, content: str, fmt: str = "") -> Said:
        """The reading of one say-as; SayError naming the value and what is accepted.

        Remembered: a filter says its value once to check it and the markup says it again, and
        a set repeats its values (digits, amounts, hours) across prompts."""
        return self._said(kind, content, fmt)

    @functools.lru_cache(maxsize=1 << 16)  # noqa: B019  (one Verbalizer per locale, kept)
    def _said(self, kind: str, content: str, fmt: str) -> Said:
        reader = getattr(self, f"_{kind}")
        try:
            result: Said = reader(content, fmt)
        except ArithmeticError as exc:  # a library's Decimal arithmetic out of its precision
            raise SayError(f"cannot say {content!r} ({type(exc).__name__})") from None
        return result

    # -- numbers

    def _cardinal(self, content: str, fmt: str) -> Said:
        number = read_number(content)
        return Said(self._decimal(number), self.numbers.cardinal(number))

    def _decimal(self, number: Decimal) -> str:
        if self._babel_name is None:
            return plain(number)
        from babel.numbers import format_decimal

        return str(format_decimal(number, locale=self._babel_name))

    def _ordinal(self, content: str, fmt: str) -> Said:
        number = read_number(content)
        if number < 0 or number != number.to_integral_value():
            raise SayError(
                f"cannot read {content!r} as an ordinal; give a whole number of 0 or more, like 3"
            )
        whole = int(number)
        return Said(self.numbers.ordinal_digits(whole), self.numbers.ordinal(whole))

    def _digits(self, content: str, fmt: str) -> Said:
        digits = re.sub(r"[\s-]", "", content)
        if not digits.isdigit() or not digits.isascii():
            raise SayError(
                f"cannot read {content!r} as digits; give digits 0-9 (spaces and hyphens are "
                "skipped), like 4417 1234"
            )
        groups = _group(digits, fmt, content)
        return Said(" ".join(groups), self._groups(groups))

    def _groups(self, groups: list[str]) -> str:
        return ", ".join(" ".join(self.numbers.digit(d) for d in group) for group in groups)

    def _characters(self, content: str, fmt: str) -> Said:
        words: list[str] = []
        for group in content.split():
            if not group.isalnum():
                raise SayError(
                    f"cannot read {content!r} as characters; give letters and digits (spaces "
                    "separate groups), like AB 12"
                )
            words.append(" ".join(self.numbers.digit(c) if c.isdigit() else c for c in group))
        return Said(content, ", ".join(words))

    # -- dates and times

    def _date(self, content: str, fmt: str) -> Said:
        day = read_date(content, fmt)
        from babel.dates import format_date, get_date_format, tokenize_pattern

        pattern = get_date_format("long", locale=self.babel).pattern
        spoken: list[str] = []
        after_day = False
        for _kind, value in tokenize_pattern(pattern):
            if isinstance(value, str):  # ("chars", text)
                spoken.append(value.lstrip(".") if after_day else value)
                after_day = False
            else:  # ("field", (letter, width))
                spoken.append(self._date_field(day, str(value[0])))
                after_day = value[0] == "d"
        display = str(format_date(day, "long", locale=self.babel))
        return Said(display, " ".join("".join(spoken).split()))

    def _date_field(self, day: dt.date, field: str) -> str:
        from babel.dates import get_day_names, get_month_names

        if field == "d":
            how = _ORDINAL_DAY.get(self.language)
            if how == "all" or (how == "first" and day.day == 1):
                return self.numbers.ordinal(day.day)
            return self.numbers.cardinal(Decimal(day.day))
        if field in ("M", "L"):
            return str(get_month_names("wide", "format", locale=self.babel)[day.month])
        if field == "y":
            return self.numbers.year(day.year)
        if field in ("E", "c"):
            return str(get_day_names("wide", "format", locale=self.babel)[day.weekday()])
        return ""  # an era or other field a long date does not say

    def _time(self, content: str, fmt: str) -> Said:
        moment = read_time(content)
        from babel.dates import format_skeleton, format_time, get_time_format

        if fmt not in ("", "hms12", "hms24"):
            raise SayError(f"time format {fmt!r} is not hms12 or hms24")
        twelve = fmt == "hms12" or (
            not fmt and any(c in get_time_format("short", locale=self.babel).pattern for c in "hK")
        )
        if fmt:
            display = format_skeleton("hm" if twelve else "Hm", moment, locale=self.babel)
        else:
            display = format_time(moment, "short", locale=self.babel)
        spoken = self._clock12(moment) if twelve else self._clock24(moment)
        return Said(str(display), spoken)

    def _clock12(self, moment: dt.time) -> str:
        from babel.dates import get_period_names

        names = get_period_names("abbreviated", "format", locale=self.babel)
        hour = moment.hour % 12 or 12
        words = [self.numbers.cardinal(Decimal(hour))]
        if moment.minute:
            words.append(self._minutes(moment.minute))
        special = {0: "midnight", 12: "noon"}.get(moment.hour) if not moment.minute else None
        period = special if special and special in names else ("am" if moment.hour < 12 else "pm")
        words.append(str(names[period]))
        return " ".join(words)

    def _minutes(self, minute: int) -> str:
        words = self.numbers.cardinal(Decimal(minute))
        if self.language == "en" and minute < 10:
            return f"oh {words}"  # "two oh five"
        return words

    def _clock24(self, moment: dt.time) -> str:
        from babel.units import format_unit

        hour = self.numbers.cardinal(Decimal(moment.hour))
        minute = self._minutes(moment.minute) if moment.minute else ""
        if self.language == "en":  # "fourteen thirty", "fourteen hundred"
            return f"{hour} {minute or self.numbers.cardinal(Decimal(100)).split()[-1]}"
        clock = _CLOCK_WORD.get(self.language)
        if clock is None:
            unit = str(format_unit(moment.hour, "duration-hour", length="long", locale=self.babel))
            clock = unit.replace(self._decimal(Decimal(moment.hour)), "").strip()
        return " ".join(w for w in (hour, clock, minute) if w)

    # -- money and telephones

    def _currency(self, content: str, fmt: str) -> Said:
        from babel.numbers import format_currency, get_currency_name, get_currency_precision

        amount, code = read_money(content)
        places = get_currency_precision(code)
        if -amount.as_tuple().exponent > places:  # type: ignore[operator]
            raise SayError(f"{content!r} has more decimals than {code} has ({places})")
        spoken = self.numbers.currency(amount, code)
        if spoken is None:
            name = get_currency_name(code, count=abs(amount), locale=self.babel)
            spoken = f"{self.numbers.cardinal(amount)} {name}"
        return Said(str(format_currency(amount, code, locale=self.babel)), spoken)

    def _telephone(self, content: str, fmt: str) -> Said:
        import phonenumbers

        try:
            number = phonenumbers.parse(content, self.region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_possible_number(number):
            where = f"of region {self.region}" if self.region else "with its country code"
            raise SayError(
                f"cannot read {content!r} as a telephone number {where}; give its digits "
                "(+ and the country code for another country), like 202 555 0123"
            )
        home = phonenumbers.region_code_for_number(number) == self.region
        style = phonenumbers.PhoneNumberFormat
        display = phonenumbers.format_number(
            number, style.NATIONAL if home else style.INTERNATIONAL
        )
        if fmt:
            groups = _group(str(number.national_number), fmt, content)
        else:
            groups = re.findall(r"\d+", display)
        plus = "" if home else "+"
        return Said(display, plus + self._groups(groups))


def _babel_locale(code: str, language: str) -> Locale | None:
    """Babel's locale (parsed once: every formatting call would parse a name again)."""
    from babel import Locale, UnknownLocaleError

    for name in (code.replace("-", "_"), language):
        try:
            return Locale.parse(name)
        except (UnknownLocaleError, ValueError):
            continue
    return None


def _group(digits: str, fmt: str, content: str) -> list[str]:
    if not fmt:
        return [digits]
    if not _GROUPING.fullmatch(fmt):
        raise SayError(f"grouping {fmt!r} is not group sizes like 4-3-4")
    sizes = [int(n) for n in fmt.split("-")]
    if sum(sizes) != len(digits) or 0 in sizes:
        raise SayError(f"grouping {fmt} is for {sum(sizes)} digits; {content!r} has {len(digits)}")
    out, pos = [], 0
    for size in sizes:
        out.append(digits[pos : pos + size])
        pos += size
    return out


def read_date(value: Any, fmt: str = "") -> dt.date:
    """A date, a datetime or a string in the say-as format (ymd unless given)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    pattern = _DATE_FORMATS.get(fmt or "ymd")
    if pattern is None:
        raise SayError(f"date format {fmt!r} is not ymd, dmy or mdy")
    match = pattern.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise SayError(f"cannot read {value!r} as a date; give {DATE_ACCEPTED}")
    try:
        return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError as exc:
        raise SayError(f"cannot read {value!r} as a date ({exc}); give {DATE_ACCEPTED}") from None


def read_time(value: Any) -> dt.time:
    """A time, a datetime or "HH:MM" (24-hour)."""
    if isinstance(value, dt.datetime):
        value = value.time()
    if isinstance(value, dt.time):
        if value.second or value.microsecond:
            raise SayError(f"cannot say the seconds of {value.isoformat()}; give {TIME_ACCEPTED}")
        return value.replace(tzinfo=None)
    match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise SayError(f"cannot read {value!r} as a time; give {TIME_ACCEPTED}")
    return dt.time(int(match[1]), int(match[2]))


def read_money(value: Any) -> tuple[Decimal, str]:
    """ "1250.50 EUR" (or "EUR 1250.50") as the amount and its ISO 4217 code."""
    match = _MONEY.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or bool(match[1]) == bool(match[3]):
        raise SayError(
            f"cannot read {value!r} as an amount of money; give an amount and an ISO 4217 "
            "code, like 1250.50 EUR"
        )
    return read_number(match[2]), check_currency(match[1] or match[3])


@functools.cache
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def check_currency(code: Any) -> str:
    if not isinstance(code, str) or code.upper() not in _currencies():
        raise SayError(
            f"unknown currency code {code!r}; give an ISO 4217 code like EUR, USD or INR"
        )
    return code.upper()
