"""The verbalizing Jinja filters: each reads its value now (a bad one fails at its template
line, naming the value) and writes say-as markup, which the renderer then says in the locale.

    {{ balance | money("EUR") }}   {{ opens | time }}   {{ ref | digits("4-3-4") }}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jinja2

from .markup import escape
from .numbers import SayError, plain, read_number
from .verbalize import check_currency, read_date, read_money, read_time, verbalizer


class FilterError(SayError):
    """A filter's value it cannot read (or a language no library speaks): one line for the user."""


def _say_as(kind: str, content: str, fmt: str = "") -> str:
    attr = f' format="{escape(fmt)}"' if fmt else ""
    return f'<say-as interpret-as="{kind}"{attr}>{escape(content)}</say-as>'


def _check(context: jinja2.runtime.Context, name: str, kind: str, content: str, fmt: str) -> str:
    """Say it once now in the prompt's locale, so a value or a language that fails, fails here
    (at the template line that uses the filter)."""
    try:
        verbalizer(str(context["locale"]), str(context["language"])).say(kind, content, fmt)
    except SayError as exc:
        raise FilterError(f"{name}: {exc}") from None
    return _say_as(kind, content, fmt)


def _reading(name: str, read: Callable[[], str]) -> str:
    try:
        return read()
    except SayError as exc:
        raise FilterError(f"{name}: {exc}") from None


@jinja2.pass_context
def number(context: jinja2.runtime.Context, value: Any) -> str:
    content = _reading("number", lambda: plain(read_number(value)))
    return _check(context, "number", "cardinal", content, "")


@jinja2.pass_context
def ordinal(context: jinja2.runtime.Context, value: Any) -> str:
    content = _reading("ordinal", lambda: plain(read_number(value)))
    return _check(context, "ordinal", "ordinal", content, "")


@jinja2.pass_context
def digits(context: jinja2.runtime.Context, value: Any, grouping: str = "") -> str:
    return _check(context, "digits", "digits", str(value), grouping)


@jinja2.pass_context
def characters(context: jinja2.runtime.Context, value: Any) -> str:
    return _check(context, "characters", "characters", str(value), "")


@jinja2.pass_context
def date(context: jinja2.runtime.Context, value: Any) -> str:
    content = _reading("date", lambda: read_date(value).isoformat())
    return _check(context, "date", "date", content, "")


@jinja2.pass_context
def time(context: jinja2.runtime.Context, value: Any, hours: int | None = None) -> str:
    if hours not in (None, 12, 24):
        raise FilterError(f"time: hours={hours!r}; give 12 or 24 (or leave it to the locale)")
    content = _reading("time", lambda: read_time(value).strftime("%H:%M"))
    return _check(context, "time", "time", content, f"hms{hours}" if hours else "")


@jinja2.pass_context
def money(context: jinja2.runtime.Context, value: Any, currency: str | None = None) -> str:
    def read() -> str:
        if currency is None and not isinstance(value, str):
            raise SayError(
                f'{value!r} has no currency; name it, like {{{{ {value!r} | money("EUR") }}}} '
                "(an ISO 4217 code)"
            )
        if currency is None:
            amount, code = read_money(value)
            return f"{plain(amount)} {code}"
        return f"{plain(read_number(value))} {check_currency(currency)}"

    return _check(context, "money", "currency", _reading("money", read), "")


@jinja2.pass_context
def phone(context: jinja2.runtime.Context, value: Any, grouping: str = "") -> str:
    return _check(context, "phone", "telephone", str(value), grouping)


FILTERS: Mapping[str, Callable[..., str]] = {
    "number": number,
    "ordinal": ordinal,
    "digits": digits,
    "characters": characters,
    "date": date,
    "time": time,
    "money": money,
    "phone": phone,
}
