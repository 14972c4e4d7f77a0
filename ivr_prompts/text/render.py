"""Jinja (sandboxed, StrictUndefined) -> one normalised text per prompt x locale."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..audio.nonspeech import describe
from ..config import Config, LocaleConfig, PromptConfig, check_prompt_id
from ..errors import ConfigError, PreflightFailed, Problem
from . import locate
from .filters import FILTERS
from .markup import MarkupError
from .numbers import SayError
from .parts import Part
from .speak import speak

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Rendered:
    """One prompt x locale, rendered to normalised text."""

    id: str
    locale: str
    text: str  # the transcript: what the prompt says, as a person reads it
    spoken: str  # verbalized (numbers, dates... in words), markup gone; before the dictionary
    prompt: PromptConfig
    source: str  # "templates/<file>" or "prompts.toml" for inline text
    matrix: Mapping[str, Any]
    parts: tuple[Part, ...] = ()

    @property
    def pair(self) -> str:
        return f"{self.id} [{self.locale}]"


def normalise(text: str) -> str:
    """Collapse whitespace runs (template newlines, indentation) to single spaces."""
    return _SPACE.sub(" ", text).strip()


class _InsideLoader(jinja2.FileSystemLoader):
    """Templates and includes resolve inside templates/ only, symlinks included."""

    def __init__(self, root: Path) -> None:
        super().__init__(str(root))
        self.root = root.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.root):
            raise OutsideTemplates(template)
        return source, filename, uptodate


class OutsideTemplates(jinja2.TemplateNotFound):
    """A template or include that resolves (through a symlink) outside templates/."""


class Renderer:
    """Renders prompts for one config; templates compile once and are reused across locales."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.env = ImmutableSandboxedEnvironment(
            loader=_InsideLoader(config.templates_dir),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            auto_reload=False,
        )
        self.env.filters.update(FILTERS)
        self._inline: dict[str, jinja2.Template] = {}

    def template_for(
        self, prompt: PromptConfig, locale: LocaleConfig
    ) -> tuple[str, jinja2.Template]:
        """The locale's own template when it exists, else the shared one."""
        assert prompt.template is not None
        for name in (f"{locale.code}/{prompt.template}", prompt.template):
            if (self.config.templates_dir / name).is_file():
                return name, self.env.get_template(name)
        raise jinja2.TemplateNotFound(prompt.template)

    def _compile_inline(self, source: str) -> jinja2.Template:
        template = self._inline.get(source)
        if template is None:
            template = self._inline[source] = self.env.from_string(source)
        return template

    @staticmethod
    def expand(prompt: PromptConfig) -> Iterator[Mapping[str, Any]]:
        """Each combination of the prompt's matrix values (one empty mapping without a matrix)."""
        names = list(prompt.matrix)
        for values in itertools.product(*(prompt.matrix[n] for n in names)):
            yield dict(zip(names, values, strict=True))

    def render_one(
        self, prompt: PromptConfig, locale: LocaleConfig, matrix: Mapping[str, Any]
    ) -> Rendered:
        """Render one pair; raise ConfigError naming the prompt, locale, file and line."""
        context: dict[str, Any] = {
            **locale.vars,
            **prompt.vars,
            **matrix,
            "locale": locale.code,
            "language": locale.language,
        }
        pid = prompt.id
        toml = self.config.path.name

        def fail(message: str, file: str, line: int, code: str = "template") -> ConfigError:
            problem = Problem(
                message,
                file=file,
                line=line,
                prompt=pid,
                locale=locale.code,
                code=code,
                named=True,
            )
            return ConfigError([problem])

        where = f"prompt {pid!r} [{locale.code}]"
        if prompt.matrix:
            id_line = self.config.line("prompts", prompt.index, "id")
            try:
                pid = normalise(self._compile_inline(prompt.id).render(matrix))
            except Exception as exc:  # the user's expression failed, whatever it raised
                raise fail(f"{where}: id: {_describe(exc)}", toml, id_line, "config") from exc
            where = f"prompt {pid!r} [{locale.code}]"
            if (why := check_prompt_id(pid)) is not None:
                message = f"{where}: id expands to an unsafe name: {why}"
                raise fail(message, toml, id_line, "config")
        if prompt.kind != "speech":
            # Not rendered: its transcript says what it is ("(1 second of silence)").
            assert prompt.seconds is not None
            what = describe(prompt.kind, prompt.seconds)
            return Rendered(pid, locale.code, what, "", prompt, toml, matrix)
        # [locales.<code>.prompts."<id>"]: this locale's own values for this one prompt id.
        context.update(locale.prompts.get(pid, {}))
        if prompt.template is not None:
            name = prompt.template
            source = f"templates/{name}"
            try:
                name, template = self.template_for(prompt, locale)
                source = f"templates/{name}"
                text = template.render(context)
            except OutsideTemplates as exc:
                message = (
                    f"{where}: templates/{exc.name} resolves outside templates/ (a symlink?); "
                    "copy the file into templates/"
                )
                raise fail(message, source, 0) from None
            except jinja2.TemplateNotFound as exc:
                if exc.name not in (prompt.template, f"{locale.code}/{prompt.template}"):
                    message = (
                        f"{where}: {source} includes {exc.name!r}, which is not a file inside "
                        "templates/; include a template from templates/"
                    )
                    raise fail(message, source, 0) from None
                raise fail(
                    f"{where}: template {prompt.template!r} not found; create "
                    f"templates/{prompt.template} or templates/{locale.code}/{prompt.template}",
                    toml,
                    self.config.line("prompts", prompt.index, "template"),
                    "config",
                ) from None
            except jinja2.TemplateSyntaxError as exc:
                bad = f"templates/{exc.name}" if exc.name else source
                message = f"{where}: {bad}:{exc.lineno}: {exc.message}"
                raise fail(message, bad, exc.lineno) from exc
            except UnicodeDecodeError as exc:
                bad_byte = f"invalid byte at offset {exc.start}"
                message = f"{where}: {source}: not UTF-8 ({bad_byte}); save it as UTF-8"
                raise fail(message, source, 0) from exc
            except OSError as exc:
                message = f"{where}: {source}: cannot read: {exc.strerror}"
                raise fail(message, source, 0) from exc
            except Exception as exc:  # undefined names, or whatever the template's code raised
                line = _template_line(exc.__traceback__, self.config.templates_dir / name)
                at = f"{source}:{line}" if line else source
                code = "say" if isinstance(exc, SayError) else "template"
                message = f"{where}: {at}: {_describe(exc, locale)}"
                raise fail(message, source, line or 0, code) from exc
        else:
            assert prompt.text is not None
            source = toml
            try:
                text = self._compile_inline(prompt.text).render(context)
            except Exception as exc:  # undefined names, or whatever the expression raised
                at = f"{source}:{prompt.line}" if prompt.line else source
                line = self.config.line("prompts", prompt.index, "text")
                code = "say" if isinstance(exc, SayError) else "template"
                message = f"{where}: {at}: text: {_describe(exc, locale)}"
                raise fail(message, toml, line, code) from exc
        try:
            said = speak(text, locale.code, locale.language)
        except MarkupError as exc:
            if source == toml:
                line = self.config.line("prompts", prompt.index, "text")
            else:
                line = locate.line(template, context, text, exc)
            at = f"{source}:{line}" if line else source
            raise fail(f"{where}: {at}: {exc.message}", source, line, "markup") from None
        if not said.spoken:
            line = 0 if source != toml else self.config.line("prompts", prompt.index, "text")
            message = f"{where}: {source}: renders to empty text; give it words to speak"
            raise fail(message, source, line)
        # `matrix` is shared by the locales of one combination (expand makes a new one each).
        return Rendered(
            pid, locale.code, said.text, said.spoken, prompt, source, matrix, said.parts
        )


def _describe(exc: Exception, locale: LocaleConfig | None = None) -> str:
    if isinstance(exc, jinja2.UndefinedError) and locale is not None:
        where = f"[locales.{locale.code}].vars"
        return f"{exc.message}; define it in {where}, the prompt's vars or its matrix"
    if isinstance(exc, SayError):
        return str(exc)
    if isinstance(exc, jinja2.TemplateError):
        return str(exc.message or exc)
    return f"{type(exc).__name__}: {exc}; fix the expression"


def _template_line(tb: TracebackType | None, file: Path) -> int | None:
    """Jinja rewrites tracebacks so template frames carry the template's file and line."""
    line = None
    target = str(file)
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == target:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def wav_name(config: Config, prompt_id: str) -> str:
    """The contact-center WAV set's name for a prompt (without .wav): `publish.wav_name` over
    `id`, or the id itself. Raise ConfigError when the expression fails or gives an unsafe name."""
    expression = config.publish.wav_name
    if not expression:
        return prompt_id
    where = f"{config.path.name}: publish.wav_name"
    line = config.line("publish", "wav_name")
    try:
        name = normalise(_wav_template(expression).render(id=prompt_id))
    except Exception as exc:  # the user's expression failed, whatever it raised
        message = f"{where}: {_describe(exc)} (for id {prompt_id!r})"
        raise ConfigError([Problem(message, file=config.path.name, line=line, named=True)]) from exc
    if (why := check_prompt_id(name)) is not None:
        message = f"{where}: gives {name!r} for id {prompt_id!r}, which {why}"
        raise ConfigError([Problem(message, file=config.path.name, line=line, named=True)])
    return name


@functools.cache
def _wav_template(expression: str) -> jinja2.Template:
    env = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)
    return env.from_string(expression)


def selected_locales(prompt: PromptConfig, config: Config) -> Sequence[LocaleConfig]:
    """The locales a prompt is spoken in."""
    if prompt.locales is None:
        return list(config.locales.values())
    return [config.locales[c] for c in prompt.locales]


def render_all(config: Config) -> list[Rendered]:
    """Every prompt x matrix x locale; raise ConfigError listing every failure and duplicate id."""
    renderer = Renderer(config)
    problems: list[Problem] = []
    out: list[Rendered] = []
    seen: dict[tuple[str, str], int] = {}
    repeated: set[int] = set()
    for prompt in config.prompts:
        for matrix in renderer.expand(prompt):
            for locale in selected_locales(prompt, config):
                try:
                    rendered = renderer.render_one(prompt, locale, matrix)
                except ConfigError as exc:
                    problems.extend(p for p in exc.found if p not in problems)
                    continue
                pair = (rendered.id, rendered.locale)
                if pair in seen:
                    if seen[pair] == prompt.index:
                        # One line for the prompt, not one per repeated expansion.
                        if prompt.index not in repeated:
                            repeated.add(prompt.index)
                            problems.append(_repeats(config, prompt, rendered.id))
                        continue
                    problems.append(
                        Problem(
                            f"{config.path.name}: prompts[{prompt.index}]: duplicate id "
                            f"{rendered.id!r} [{rendered.locale}] (first defined by "
                            f"prompts[{seen[pair]}]); ids must be unique",
                            file=config.path.name,
                            line=config.line("prompts", prompt.index, "id"),
                            prompt=rendered.id,
                            locale=rendered.locale,
                            named=True,
                        )
                    )
                    continue
                seen[pair] = prompt.index
                out.append(rendered)
    if not problems:
        problems.extend(_unused_overrides(config, out))
    if problems:
        # Values a filter cannot read and bad markup: the set cannot be built as written (exit
        # 1, as pre-flight findings are); anything else is a broken configuration.
        values = all(p.code in ("say", "markup") for p in problems)
        raise (PreflightFailed if values else ConfigError)(problems)
    return out


def _unused_overrides(config: Config, rendered: Sequence[Rendered]) -> list[Problem]:
    """A [locales.<code>.prompts."<id>"] table must name an id that locale speaks."""
    spoken = {(r.locale, r.id) for r in rendered}
    problems: list[Problem] = []
    for code, locale in config.locales.items():
        for pid in locale.prompts:
            if (code, pid) not in spoken:
                key = ("locales", code, "prompts", pid)
                problems.append(
                    Problem(
                        f"{config.path.name}: locales.{code}.prompts.{pid!r}: no prompt with id "
                        f"{pid!r} is spoken in {code}; give an id as `render` lists it",
                        file=config.path.name,
                        line=config.line(*key),
                        key=".".join(key),
                        locale=code,
                        named=True,
                    )
                )
    return problems


def _repeats(config: Config, prompt: PromptConfig, expanded: str) -> Problem:
    names = ", ".join(prompt.matrix)
    return Problem(
        f"{config.path.name}: prompts[{prompt.index}] (id {prompt.id!r}): the id expands to "
        f"{expanded!r} for more than one value of its matrix ({names}); use every matrix name "
        "in the id so each expansion gets its own",
        file=config.path.name,
        line=config.line("prompts", prompt.index, "id"),
        key=f"prompts.{prompt.index}.id",
        prompt=prompt.id,
        named=True,
    )
