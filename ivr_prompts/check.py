"""`check`: lint the sources and compare them with the published set. No synthesis, no network."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import config as config_mod
from .engines.registry import Engines
from .errors import ConfigError, ConfigNotFound, EngineUnavailable
from .plan import BuildOptions, Pair, Plan, make_plan, stale_reasons
from .publish.manifest import file_problem, read_index
from .report import Issue

_TEMPLATE_AT = re.compile(r"(templates/[^:\s]+):(\d+)")
_PROMPT_ID = re.compile(r"\(id '([^']+)'\)|prompt '([^']+)'")


@dataclass
class CheckResult:
    issues: list[Issue] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(i.severity == "error" for i in self.issues)


def run_check(config_path: Path | None) -> CheckResult:
    """Every problem with the sources and every difference from the published set."""
    result = CheckResult()
    try:
        cfg = config_mod.load(config_path)
    except ConfigNotFound:
        raise
    except ConfigError as exc:
        result.issues.extend(_config_issue(None, p) for p in exc.problems)
        return result
    try:
        plan = make_plan(cfg, BuildOptions(), Engines(cfg))
    except ConfigError as exc:
        result.issues.extend(_config_issue(cfg, p) for p in exc.problems)
        return result
    except EngineUnavailable as exc:
        result.issues.append(Issue(cfg.path.name, 0, "error", "engine", "", exc.message))
        return result
    result.subjects = [p.name for p in plan.pairs]
    result.issues.extend(_lint(plan))
    result.issues.extend(_staleness(plan))
    return result


def _config_issue(cfg: config_mod.Config | None, problem: str) -> Issue:
    """A config or template problem, pointed at the template line or the prompt's line."""
    found = _TEMPLATE_AT.search(problem)
    if found:
        return Issue(found.group(1), int(found.group(2)), "error", "template", "", problem)
    ident = _PROMPT_ID.search(problem)
    line = 0
    if ident and cfg is not None:
        pid = ident.group(1) or ident.group(2)
        line = next((p.line for p in cfg.prompts if p.id == pid), 0)
    file = cfg.path.name if cfg is not None else problem.split(":", 1)[0]
    return Issue(file, line, "error", "config", "", problem)


def _where(plan: Plan, pair: Pair) -> tuple[str, int]:
    if pair.rendered.source.startswith("templates/"):
        return pair.rendered.source, 1
    return plan.config.path.name, pair.rendered.prompt.line


def _lint(plan: Plan) -> list[Issue]:
    cfg = plan.config
    issues: list[Issue] = []
    # A locale with a template folder of its own is translated: a template missing there
    # silently falls back to the shared (other-language) one.
    for code in cfg.locales:
        folder = cfg.templates_dir / code
        if not folder.is_dir():
            continue
        for prompt in cfg.prompts:
            if prompt.template and not (folder / prompt.template).is_file():
                if prompt.locales is not None and code not in prompt.locales:
                    continue
                issues.append(
                    Issue(
                        f"templates/{prompt.template}",
                        0,
                        "warning",
                        "missing-template",
                        f"{prompt.id} [{code}]",
                        f"templates/{code}/{prompt.template} is missing, so {code} speaks the "
                        f"shared template; add the translation",
                    )
                )
    for code, lex in plan.lexicons.items():
        texts = [p.rendered.text for p in plan.pairs if p.locale.code == code]
        used: set[str] = set()
        for text in texts:
            used |= lex.words_used(text)
        source = lex.source
        for word, _ in lex.entries:
            if word not in used and source is not None:
                issues.append(
                    Issue(
                        _relative(cfg, source),
                        _line_of_word(source, word),
                        "warning",
                        "unused-word",
                        "",
                        f"{word!r} occurs in no {code} prompt; remove it or check its spelling "
                        "(matching is case-sensitive, whole words)",
                    )
                )
    limit = cfg.waves.max_chars
    for pair in plan.pairs:
        if pair.engine == "waves" and len(pair.spoken) > limit:
            file, line = _where(plan, pair)
            issues.append(
                Issue(
                    file,
                    line,
                    "warning",
                    "long-text",
                    pair.name,
                    f"{len(pair.spoken)} characters, over the {limit}-character request size; "
                    "it will be split at sentences and joined (shorten it for the best prosody)",
                )
            )
    return issues


def _relative(cfg: config_mod.Config, path: Path) -> str:
    try:
        return str(path.relative_to(cfg.root))
    except ValueError:
        return str(path)


def _line_of_word(path: Path, word: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith((f'"{word}"', f"'{word}'", f"{word} ")):
            return number
    return 0


def _staleness(plan: Plan) -> list[Issue]:
    cfg = plan.config
    out = cfg.project.output
    index = read_index(out)
    issues: list[Issue] = []
    previous = plan.previous_records
    for pair in plan.pairs:
        file, line = _where(plan, pair)
        record = previous.get((pair.rendered.id, pair.locale.code))
        if record is None:
            issues.append(
                Issue(
                    file,
                    line,
                    "error",
                    "missing",
                    pair.name,
                    "not in the published set; run ivr-prompts build",
                )
            )
            continue
        reasons = stale_reasons(pair, record)
        if reasons:
            issues.append(
                Issue(
                    file,
                    line,
                    "error",
                    "stale",
                    pair.name,
                    f"{'; '.join(reasons)}; run ivr-prompts build",
                )
            )
            continue
        for f in record["files"]:
            problem = file_problem(f, index)
            if problem:
                issues.append(
                    Issue(
                        f"{out.name}/{f['path']}",
                        0,
                        "error",
                        "modified",
                        pair.name,
                        f"{problem}; run ivr-prompts build to restore it",
                    )
                )
    keys = {(p.rendered.id, p.locale.code) for p in plan.pairs}
    for (pid, code), record in sorted(previous.items()):
        if (pid, code) not in keys:
            issues.append(
                Issue(
                    cfg.path.name,
                    0,
                    "error",
                    "orphan",
                    f"{pid} [{code}]",
                    f"published but no longer defined ({record['text']!r}); "
                    "run ivr-prompts build to remove it",
                )
            )
    return issues


def plan_issues(plan: Plan) -> tuple[list[Issue], Sequence[str]]:
    """Each pair a build would change, as a finding (for the github and junit formats)."""
    issues: list[Issue] = []
    words = {
        "synthesize": "will be synthesized",
        "process": "will be re-processed from the cached synthesis",
        "cached": "will be published from the cache",
    }
    for pair in plan.pairs:
        if pair.action in words:
            file, line = _where(plan, pair)
            billed = f" ({len(pair.spoken)} characters billed)" if pair.engine == "waves" else ""
            issues.append(
                Issue(file, line, "warning", pair.action, pair.name, words[pair.action] + billed)
            )
    for pid, code in plan.removed:
        issues.append(
            Issue(
                plan.config.path.name,
                0,
                "warning",
                "remove",
                f"{pid} [{code}]",
                "will be removed from the published set",
            )
        )
    return issues, [p.name for p in plan.pairs]
