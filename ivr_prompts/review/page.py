"""The review page: one static HTML file, styles and script inline, audio carried inside.

Audio is carried as the published G.711 codes (8 kB per second, base64) in inert
`<script type="application/octet-stream">` blocks; the page's script decodes a clip with the
G.711 tables only when its row comes near the screen, wraps it as a 16-bit PCM WAV (the one
encoding every browser plays) and draws its waveform and spectrogram from the same samples.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from typing import Any

from .diff import Piece
from .model import ORDER, Clip, Row, Version, totals

_ASSETS = resources.files(__package__)


@dataclass(frozen=True)
class Page:
    html: str
    # Clip scripts to write into the folder `folder` beside the page (empty: all inline).
    folder: str | None = None
    clip_files: Mapping[str, str] = field(default_factory=dict)


def render_page(
    rows: Sequence[Row],
    *,
    project: str,
    against: str | None,
    now: dt.datetime | None = None,
    folder: str | None = None,
) -> Page:
    """The page; with `folder`, each clip goes in a script of its own there, loaded on demand."""
    now = now or dt.datetime.now(dt.UTC)
    clips: dict[str, Clip] = {}
    body = "\n".join(_row(row, clips) for row in rows)
    encoded = {key: base64.b64encode(clip.payload).decode() for key, clip in clips.items()}
    if folder is None:
        payloads = "\n".join(
            f'<script type="application/octet-stream" id="clip-{key}" '
            f'data-codec="{clips[key].codec}">{text}</script>'
            for key, text in encoded.items()
        )
        files: dict[str, str] = {}
    else:
        payloads = ""
        files = {
            f"{key}.js": f'window.ivrReview.put("{key}","{clips[key].codec}","{text}");\n'
            for key, text in encoded.items()
        }
    css = _ASSETS.joinpath("page.css").read_text(encoding="utf-8")
    js = _ASSETS.joinpath("page.js").read_text(encoding="utf-8")
    title = f"{project}: prompt review"
    clips_attr = f' data-clips="{escape(folder)}"' if folder else ""
    html = (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<style>{css}</style></head><body{clips_attr}>\n"
        f"{_summary(rows, project, against, now)}\n"
        f'<main id="rows">\n{body}\n</main>\n'
        f'<p id="empty" hidden>No prompt matches these filters.</p>\n'
        f"{payloads}\n<script>{js}</script></body></html>\n"
    )
    return Page(html, folder, files)


def clip_bytes(rows: Sequence[Row]) -> int:
    """Bytes of distinct audio the page carries (before base64)."""
    seen: dict[str, int] = {}
    for row in rows:
        for version in (row.after, row.before):
            if version is not None and version.clip is not None:
                seen[version.clip.key] = len(version.clip.payload)
    return sum(seen.values())


def _summary(rows: Sequence[Row], project: str, against: str | None, now: dt.datetime) -> str:
    counts = {s: sum(r.status == s for r in rows) for s in ORDER}
    chips = "".join(
        f'<button class="chip s-{s}" data-filter-status="{s}"><b>{counts[s]}</b> {s}</button>'
        for s in ORDER
    )
    warned = sum(1 for r in rows if r.warnings and r.status != "failing")
    locales = sorted({r.locale for r in rows})
    per_locale = " · ".join(
        f"<span>{escape(loc)} <b>{_clock(sec)}</b></span>" for loc, sec in totals(rows).items()
    )
    options = "".join(f'<option value="{escape(x)}">{escape(x)}</option>' for x in locales)
    statuses = "".join(f'<option value="{s}">{s}</option>' for s in (*ORDER, "warning"))
    compared = escape(against) if against else "nothing (no previous set: every prompt is new)"
    return f"""<header id="top">
<div class="title"><h1>{escape(project)}</h1>
<p>{len(rows)} prompts · compared with {compared} · {now:%Y-%m-%d %H:%M} UTC</p></div>
<div class="summary">{chips}
<button class="chip s-warning" data-filter-status="warning"><b>{warned}</b> with warnings</button>
</div>
<div class="totals">audio per locale: {per_locale or "none"}</div>
<div class="filters">
<select id="f-locale" aria-label="locale"><option value="">all locales</option>{options}</select>
<select id="f-status" aria-label="status"><option value="">all statuses</option>{statuses}</select>
<input id="f-text" type="search" placeholder="filter by id or text  ( / )" aria-label="text">
<button id="expand-all" type="button">expand all</button>
<span id="shown"></span>
<span class="keys"><kbd>j</kbd><kbd>k</kbd> move · <kbd>space</kbd> play · <kbd>b</kbd> play before
 · <kbd>o</kbd> open</span>
</div></header>"""


def _row(row: Row, clips: dict[str, Clip]) -> str:
    main = row.after or row.before
    assert main is not None
    rec = main.record
    written, said = row.spoken()
    search = " ".join((row.prompt_id, row.locale, rec["text"], rec["spoken_text"])).lower()
    collapsed = " collapsed" if row.status == "unchanged" else ""
    versions = [v for v in (("before", row.before), ("after", row.after)) if v[1] is not None]
    if row.change != "changed":
        versions = [
            v for v in versions if v[0] == ("before" if row.change == "removed" else "after")
        ]
    # Side by side, both pictures share one time scale: the longer version fills its column.
    longest = max(v.record["duration_s"] for _, v in versions if v is not None)
    figures = "".join(_figure(name, v, clips, longest) for name, v in versions if v is not None)
    diff = (
        f'<div class="text"><label>change</label><p class="diff">{_pieces(row.text_diff)}</p></div>'
        if row.text_diff and any(op != "same" for op, _ in row.text_diff)
        else ""
    )
    findings = ""
    if row.after is not None and row.after.findings:
        items = "".join(
            f'<li class="{f.severity}"><b>{f.severity}</b> {escape(f.check)}: '
            f"{escape(f.message)}</li>"
            for f in row.after.findings
        )
        findings = f'<ul class="findings">{items}</ul>'
    pid = escape(row.prompt_id)
    return f"""<article class="row{collapsed}" tabindex="-1" data-prompt-id="{pid}" \
data-locale="{escape(row.locale)}" data-status="{row.status}" data-change="{row.change}" \
data-warnings="{row.warnings}" data-search="{escape(search)}">
<header class="head"><button class="toggle" type="button" aria-label="open or close"></button>\
<span class="badge s-{row.status}">{row.status}</span>\
<span class="pid">{escape(row.prompt_id)}</span><span class="loc">{escape(row.locale)}</span>\
<span class="engine">{escape(rec["engine"])} · {escape(rec["voice"])}</span>\
{_stats(main)}{_deltas(row)}{_flags(row)}</header>
<div class="body"><div class="texts">
<div class="text"><label>transcript</label><p>{_marked(written)}</p></div>
<div class="text"><label>spoken</label><p>{_marked(said)}</p></div>{_pauses(rec)}{diff}</div>
<div class="versions">{figures}</div>{findings}</div>
</article>"""


def _figure(name: str, version: Version, clips: dict[str, Clip], longest: float) -> str:
    rec = version.record
    share = 100.0 * rec["duration_s"] / longest if longest > 0 else 100.0
    width = f' style="width:{max(share, 5.0):.1f}%"'
    clip = version.clip
    if clip is None:
        player = '<p class="missing">audio not kept for this version</p>'
        canvases = ""
    else:
        clips.setdefault(clip.key, clip)
        player = (
            f'<audio controls preload="none" data-version="{name}" data-clip="{clip.key}" '
            f'data-duration="{rec["duration_s"]:.3f}"></audio>'
        )
        canvases = (
            f'<div class="wave"{width}><canvas></canvas><div class="playhead"></div></div>'
            f'<div class="spec"{width}><canvas></canvas><span class="band">300-3400 Hz</span></div>'
        )
    caption = f"<figcaption><b>{name}</b> {_stats(version)}</figcaption>"
    return (
        f'<figure class="ver v-{name}" data-version="{name}">{caption}{canvases}{player}</figure>'
    )


def _stats(version: Version) -> str:
    rec = version.record
    return (
        f'<span class="stats"><span title="duration">{rec["duration_s"]:.2f} s</span>'
        f'<span title="active speech level (P.56)">{rec["level_dbov"]:.1f} dBov</span>'
        f'<span title="peak">{rec["peak_dbfs"]:.1f} dBFS pk</span>'
        f'<span title="words per minute">{version.words_per_minute:.0f} wpm</span></span>'
    )


def _deltas(row: Row) -> str:
    if row.change != "changed" or row.before is None or row.after is None:
        return ""
    a, b = row.after.record, row.before.record
    parts = (
        ("duration", a["duration_s"] - b["duration_s"], "s", 2),
        ("level", a["level_dbov"] - b["level_dbov"], "dB", 1),
    )
    spans = "".join(
        f'<span title="{title} change">{"+" if d >= 0 else "−"}{abs(d):.{n}f} {unit}</span>'
        for title, d, unit, n in parts
    )
    return f'<span class="delta">Δ {spans}</span>'


def _flags(row: Row) -> str:
    if row.status == "failing" or not row.warnings:
        return ""
    return f'<span class="warn-flag">{row.warnings} warning{"s" if row.warnings > 1 else ""}</span>'


def _pauses(record: Mapping[str, Any]) -> str:
    """A prompt with pauses: its spoken parts with each pause marked where it falls."""
    parts = record.get("parts")
    if not parts:
        return ""
    shown = " ".join(
        f'<span class="pause" title="silence">⏸ {p} ms</span>' if isinstance(p, int) else escape(p)
        for p in parts
    )
    return f'<div class="text"><label>pauses</label><p class="parts">{shown}</p></div>'


def _marked(pieces: Iterable[tuple[bool, str]]) -> str:
    return "".join(
        f'<mark title="pronunciation dictionary">{escape(t)}</mark>' if sub else escape(t)
        for sub, t in pieces
    )


def _pieces(pieces: Sequence[Piece]) -> str:
    tags: Mapping[str, str] = {"del": "del", "ins": "ins"}
    return "".join(
        f"<{tags[op]}>{escape(t)}</{tags[op]}>" if op in tags else escape(t) for op, t in pieces
    )


def _clock(seconds: float) -> str:
    minutes, sec = divmod(round(seconds), 60)
    return f"{minutes}:{sec:02d}"
