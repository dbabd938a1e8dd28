"""Build ``build/index.html``: every figure with its caption, profile and a link to its executed notebook.

    python -m snnlab.nbindex

Reads the JSON sidecars that :meth:`snnlab.notebook.Notebook.save_figure` writes beside each figure.
"""
from __future__ import annotations

import html
import json
import os
import sys
from pathlib import Path

from snnlab.paths import build_dir, figures_dir

__all__ = ["collect", "render", "main"]


def collect(figures: Path | None = None) -> dict[str, list[dict]]:
    """Sidecars grouped by topic, sorted by notebook then name."""
    figures = figures or figures_dir()
    topics: dict[str, list[dict]] = {}
    for sidecar in sorted(figures.glob("*/*.json")):
        if sidecar.name == "results.json":
            continue
        try:
            meta = json.loads(sidecar.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(f"{sidecar}: not valid JSON ({exc}); delete it and re-run its notebook") from exc
        if "caption" not in meta or "files" not in meta:
            continue
        meta["_dir"] = sidecar.parent
        topics.setdefault(sidecar.parent.name, []).append(meta)
    for items in topics.values():
        items.sort(key=lambda m: (m.get("notebook", ""), m["name"]))
    return topics


def _rel(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target, start)).as_posix()


def _fmt(v) -> str:
    return "" if v is None else (f"{v:+.3g}" if isinstance(v, float) else html.escape(str(v)))


def claims_section(figures: Path, base: Path) -> str:
    """The claims table (``<figures>/overview/claims.json``, written by notebooks/overview/00_claims) as HTML, one
    row per claim with its verdict coloured; empty when the table has not been made yet."""
    from snnlab.papers.claims import VERDICT_COLORS
    from snnlab.stats import read_claims

    path = figures / "overview" / "claims.json"
    if not path.exists():
        return ""
    rows = read_claims(path)
    out = ["<h2 id='claims'>Claims: is each claim of the three papers true?</h2>",
           f"<p>{len(rows)} rows from <a href='{_rel(path.with_suffix('.csv'), base)}'>claims.csv</a> "
           "(notebooks/overview/00_claims). A trained verdict needs at least 5 paired seeds; the interval is the 95 % "
           "interval of the paired effect. <code>identity</code>: follows from the equations (numeric check); "
           "<code>not run</code>: needs the papers' data and a GPU (command given).</p>",
           "<table style='border-collapse:collapse;font-size:.85em'><tr>"
           + "".join(f"<th style='text-align:left;border-bottom:1px solid #999;padding:2px 6px'>{h}</th>"
                     for h in ("paper", "claim", "measure", "profile", "n", "effect", "95 % interval", "verdict",
                               "fidelity", "detail")) + "</tr>"]
    for r in rows:
        ci = "" if r.ci_low is None else f"[{r.ci_low:+.3g}, {r.ci_high:+.3g}]"
        detail = r.detail or (f"<code>{html.escape(r.command)}</code>" if r.command else "")
        detail = detail if detail.startswith("<code>") else html.escape(detail)
        color = VERDICT_COLORS.get(r.verdict, "#fff")
        cells = [html.escape(r.paper), html.escape(r.claim), html.escape(r.measure), html.escape(r.profile),
                 _fmt(r.n_seeds), _fmt(r.effect), ci,
                 f"<span style='background:{color};padding:0 4px;border-radius:3px'>{html.escape(r.verdict)}</span>",
                 html.escape(r.fidelity), detail]
        out.append("<tr>" + "".join(f"<td style='border-bottom:1px solid #eee;padding:2px 6px;vertical-align:top'>"
                                    f"{c}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def render(topics: dict[str, list[dict]], out: Path, figures: Path | None = None) -> str:
    base = out.parent
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>snnlab figures</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
             "figure{display:inline-block;width:48%;vertical-align:top;margin:0 1% 1.5em 0}"
             "img{width:100%;border:1px solid #ddd}figcaption{font-size:.9em}"
             ".tag{background:#eef;border-radius:3px;padding:0 4px;font-size:.8em}</style></head><body>",
             "<h1>snnlab: figures and tables</h1>",
             "<p>Regenerate with <code>make figures</code> (profile <code>quick</code>) or "
             "<code>make figures PROFILE=paper</code> on a GPU.</p>"]
    if not topics:
        parts.append("<p>No figures yet.</p>")
    if any(m.get("dry_run") for items in topics.values() for m in items):
        parts.append("<p style='color:#b00;font-weight:bold'>DRY RUN (profile paper-dryrun): fake data, one or two "
                     "optimiser steps per run. These figures test the code paths; they are not results.</p>")
    parts.append(claims_section(figures or figures_dir(), base))
    for topic, items in sorted(topics.items()):
        parts.append(f"<h2 id='{html.escape(topic)}'>{html.escape(topic)}</h2>")
        results = (items[0]["_dir"] if items else figures_dir() / topic) / "results.json"
        if results.exists():
            parts.append(f"<p><a href='{_rel(results, base)}'>results.json</a></p>")
        for meta in items:
            d = meta["_dir"]
            png = _rel(d / meta["files"]["png"], base)
            pdf = _rel(d / meta["files"]["pdf"], base)
            csv = _rel(d / meta["files"]["csv"], base)
            profile = meta.get("profile", "?")
            nb_src = meta.get("notebook", "")
            links = [f"<a href='{pdf}'>PDF</a>", f"<a href='{csv}'>data (CSV)</a>"]
            if nb_src.startswith("notebooks/"):
                executed = build_dir() / "notebooks" / profile / nb_src[len("notebooks/"):]
                for ext, label in ((".html", "executed notebook"), (".ipynb", ".ipynb")):
                    target = executed.with_suffix(ext)
                    if target.exists():
                        links.append(f"<a href='{_rel(target, base)}'>{label}</a>")
            parts.append(
                f"<figure><a href='{png}'><img src='{png}' alt='{html.escape(meta['name'])}'></a>"
                f"<figcaption><b>{html.escape(meta['name'])}</b> <span class='tag'>profile: {html.escape(profile)}</span> "
                f"{html.escape(meta['caption'])}<br><small>{html.escape(nb_src)} · {' · '.join(links)}</small>"
                f"</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """``python -m snnlab.nbindex [--profile P]``: ``build/index.html``; the paper dry run's index (figures of
    ``figures_dir()/paper-dryrun``) is ``build/paper-dryrun/index.html``."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m snnlab.nbindex")
    ap.add_argument("--profile", default=None)
    args = ap.parse_args(argv)
    if args.profile == "paper-dryrun":
        out, figures = build_dir() / "paper-dryrun" / "index.html", figures_dir() / "paper-dryrun"
    else:
        out, figures = build_dir() / "index.html", None
    out.parent.mkdir(parents=True, exist_ok=True)
    topics = collect(figures)
    out.write_text(render(topics, out, figures))
    n = sum(len(v) for v in topics.values())
    print(f"[nbindex] {out}: {n} figures in {len(topics)} topics")
    return 0


if __name__ == "__main__":
    sys.exit(main())
