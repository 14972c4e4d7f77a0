"""`check`: lint the sources and compare them with the published set. No synthesis; the network
only to ask a remote cache (if configured) what it holds for stale prompts."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from .. import cache
from .. import config as config_mod
from ..engines.registry import Engines, door
from ..errors import ConfigError, ConfigNotFound, EngineUnavailable, Problem
from ..export import cells
from ..export.archive import archive_problem
from ..kinds import Severity
from ..publish import layout
from ..publish.manifest import FINGERPRINT, INDEX, MANIFEST, file_problem, read_index
from ..text.edits import edited_place
from ..validate.pace import pace_band, pace_problem
from .check_memo import CheckResult, memo_key, remember
from .options import BuildOptions
from .plan import Pair, Plan, make_plan, stale_reasons


def _finding(
    file: str, line: int, severity: Severity, code: str, pair: tuple[str, str], message: str
) -> Problem:
    prompt, locale = pair
    return Problem(
        message, file=file, line=line, severity=severity, code=code, prompt=prompt, locale=locale
    )


def run_check(
    config_path: Path | None, *, remote: bool = True, remote_read_only: bool = False
) -> CheckResult:
    """Every problem with the sources and every difference from the published set."""
    result = CheckResult()
    try:
        cfg = config_mod.load(config_path)
    except ConfigNotFound:
        raise
    except ConfigError as exc:
        result.issues.extend(exc.found)
        return result
    engines = Engines(cfg)
    key = memo_key(cfg, engines)  # before looking: what changes while it looks misses next time
    try:
        store = cache.open_cache(cfg.project, remote=remote, read_only=remote_read_only)
        try:
            plan = make_plan(cfg, BuildOptions(), engines, store)
        finally:
            store.close()
    except ConfigError as exc:
        result.issues.extend(_placed(cfg, p) for p in exc.found)
        return result
    except EngineUnavailable as exc:
        result.issues.append(Problem(exc.message, file=cfg.path.name, code="engine"))
        return result
    result.subjects = [p.name for p in plan.pairs]
    result.issues.extend(_placed(cfg, p) for p in plan.warnings)
    result.issues.extend(_lint(plan))
    result.issues.extend(_staleness(plan))
    if (archive := archive_problem(cfg)) is not None:
        code, message = archive
        result.issues.append(Problem(message, file=cfg.path.name, code=code))
    if key is not None:
        remember(cfg, key, result)
    return result


def _placed(cfg: config_mod.Config, problem: Problem) -> Problem:
    """A problem found after loading, with its file relative to the project (or prompts.toml)."""
    file = _relative(cfg, Path(problem.file)) if problem.file else cfg.path.name
    return dataclasses.replace(problem, file=file)


def _where(plan: Plan, pair: Pair) -> tuple[str, int]:
    if pair.rendered.source.startswith("templates/"):
        return pair.rendered.source, 1
    return plan.config.path.name, pair.rendered.prompt.line


def _lint(plan: Plan) -> list[Problem]:
    cfg = plan.config
    issues: list[Problem] = []
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
                    _finding(
                        f"templates/{prompt.template}",
                        0,
                        "warning",
                        "missing-template",
                        (prompt.id, code),
                        f"templates/{code}/{prompt.template} is missing, so {code} speaks the "
                        f"shared template; add the translation",
                    )
                )
    for code, lex in plan.lexicons.items():
        texts = [p.rendered.spoken for p in plan.pairs if p.locale.code == code]  # verbalized
        used: set[str] = set()
        for text in texts:
            used |= lex.words_used(text)
        source = lex.source
        for word, _ in lex.entries:
            if word not in used and source is not None:
                issues.append(
                    _finding(
                        _relative(cfg, source),
                        lex.lines.get(word, 0),
                        "warning",
                        "unused-word",
                        ("", ""),
                        f"{word!r} occurs in no {code} prompt; remove it or check its spelling "
                        "(matching is case-sensitive, whole words)",
                    )
                )
    issues.extend(_csv_formulas(plan))
    for pair in (p for p in plan.pairs if not p.generated):  # silence is sent nowhere
        limit = door(pair.engine).request_chars(cfg)
        if limit is not None and len(pair.spoken) > limit:
            file, line = _where(plan, pair)
            issues.append(
                _finding(
                    file,
                    line,
                    "warning",
                    "long-text",
                    _pair(pair),
                    f"{len(pair.spoken)} characters, over the {limit}-character request size; "
                    "it will be split at sentences and joined (shorten it for the best prosody)",
                )
            )
    return issues


def _csv_formulas(plan: Plan) -> list[Problem]:
    """Texts whose Genesys CSV cell a spreadsheet would run as a formula."""
    issues: list[Problem] = []
    for pair in plan.pairs:
        if not any(f.path == cells.CSV or f.path.startswith("genesys/") for f in pair.files):
            continue
        warning = cells.formula_warning(pair.locale.code, pair.rendered.text)
        if warning is not None:
            file, line = _where(plan, pair)
            found = _finding(file, line, "warning", "csv-formula", _pair(pair), warning)
            issues.append(dataclasses.replace(found, fix=cells.FIX))
    return issues


def _relative(cfg: config_mod.Config, path: Path) -> str:
    try:
        return str(path.relative_to(cfg.root))
    except ValueError:
        return str(path)


def _pair(pair: Pair) -> tuple[str, str]:
    return pair.rendered.id, pair.locale.code


def _staleness(plan: Plan) -> list[Problem]:
    cfg = plan.config
    out = cfg.project.output
    index = read_index(out)
    issues: list[Problem] = []
    previous = plan.previous_records
    for pair in plan.pairs:
        file, line = _where(plan, pair)
        record = previous.get((pair.rendered.id, pair.locale.code))
        if record is None:
            issues.append(
                _finding(
                    file,
                    line,
                    "error",
                    "missing",
                    _pair(pair),
                    "not in the published set; run ivr-prompts build",
                )
            )
            continue
        reasons = stale_reasons(pair, record)
        if reasons:
            message = "; ".join(reasons)
            edited = None
            if record["text"] != pair.rendered.text:
                edited = edited_place(cfg, pair.rendered, record["text"])
            if edited is not None:
                # Point at the edited template line, or the variable's (naming where it is used).
                file, line = edited.file, edited.line or line
                message += edited.note
            stale = _finding(file, line, "error", "stale", _pair(pair), message)
            issues.append(dataclasses.replace(stale, fix="run ivr-prompts build"))
            continue
        for f in record["files"]:
            problem = file_problem(f, index)
            if problem:
                issues.append(
                    _finding(
                        f"{out.name}/{f['path']}",
                        0,
                        "error",
                        "modified",
                        _pair(pair),
                        f"{problem}; run ivr-prompts build to restore it",
                    )
                )
        wpm = float(record.get("words_per_minute", 0.0))
        spoken = record["spoken_text"]  # the words said, as words_per_minute counted them
        pace = pace_problem(spoken, wpm, *pace_band(cfg.limits, pair.locale))
        if pace:
            issues.append(_finding(file, line, "warning", "pace", _pair(pair), pace))
    issues.extend(_strays(plan))
    keys = {(p.rendered.id, p.locale.code) for p in plan.pairs}
    for pid, code in sorted(k for k in previous if k not in keys):  # parse only these
        record = previous[(pid, code)]
        issues.append(
            _finding(
                cfg.path.name,
                0,
                "error",
                "orphan",
                (pid, code),
                f"published but no longer defined ({record['text']!r}); "
                "run ivr-prompts build to remove it",
            )
        )
    return issues


def plan_issues(plan: Plan) -> tuple[list[Problem], Sequence[str]]:
    """Each pair a build would change, as a finding (for the github and junit formats)."""
    issues: list[Problem] = []
    words = {
        "synthesize": "will be synthesized",
        "process": "will be re-processed from the cached synthesis",
        "cached": "will be published from the cache",
        "generate": "will be generated (silence: no engine, nothing billed)",
    }
    for pair in plan.pairs:
        if pair.action in words:
            file, line = _where(plan, pair)
            bills = not pair.generated and door(pair.engine).bills_characters
            billed = f" ({pair.characters} characters billed)" if bills else ""
            message = words[pair.action] + billed
            issues.append(_finding(file, line, "warning", pair.action, _pair(pair), message))
    for pid, code in plan.removed:
        issues.append(
            _finding(
                plan.config.path.name,
                0,
                "warning",
                "remove",
                (pid, code),
                "will be removed from the published set",
            )
        )
    return issues, [p.name for p in plan.pairs]


def _strays(plan: Plan) -> list[Problem]:
    """Files in the published set that no record and no index of its manifest accounts for."""
    cfg = plan.config
    out = cfg.project.output
    if plan.previous is None or not out.is_dir():
        return []
    known = {MANIFEST, INDEX, FINGERPRINT}
    # The indexes publish wrote for the records whose locale is still configured.
    kept: list[dict[str, str]] = []
    for record, current in plan.previous.listed():  # each parsed once, then dropped
        if current:
            known.update(f["path"] for f in record["files"])
        if record["locale"] in cfg.locales:
            kept.append({k: record[k] for k in ("id", "locale", "text")})
    known |= set(layout.index_files(cfg, kept))
    found: list[Problem] = []
    for path in sorted(p for p in out.rglob("*") if not p.is_dir()):
        relative = path.relative_to(out).as_posix()
        if relative not in known:
            found.append(
                Problem(
                    "not part of the published set",
                    file=f"{out.name}/{relative}",
                    code="stray",
                    fix="delete it or run ivr-prompts build",
                )
            )
    return found
