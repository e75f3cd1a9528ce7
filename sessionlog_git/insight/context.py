"""`sessionlog context PATH`: the live reasoning that concerns a file, best first.

Live decisions, open blockers and recorded failed attempts (`Tried:`, `Root cause:`), found
two ways (logs/context_index.py has the fold):

* through the commits that changed the file: `git log -- PATH`, and the archive files each
  of those commits added (the link `sessionlog why` follows, at file level). A squash merge,
  a cherry-pick and a rebased commit carry their archive files with the code, so the link
  survives history rewriting;
* through the paths entries name (the file, a folder above it, or its bare name). This is the
  fallback when the commit link is gone, e.g. when the code was committed without its
  entries (`--no-verify`) and they were consolidated in a later commit.

Best first: what names or was committed with the file itself, then its bare name, then a
folder above it; decisions before blockers before findings; then the newest. Expiry needs a
"now": a decision whose `Expires:` date has come is listed as expired, not live.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sessionlog_git.errors import SessionlogError
from sessionlog_git.logs import context_index as ci
from sessionlog_git.logs.model import Record
from sessionlog_git.workspace import Workspace

_KIND_ORDER = {"decision": 0.3, "blocker": 0.2, "finding": 0.1}
_SECTIONS = (("decision", "decisions"), ("blocker", "blockers"), ("finding", "findings"))


def resolve(ws: Workspace, spec: str, cwd: Path | None = None) -> str:
    """PATH as given (relative to `cwd`) -> POSIX path from the repository's top."""
    path = Path(spec)
    absolute = path if path.is_absolute() else ((cwd or Path.cwd()) / path)
    try:
        rel = absolute.resolve().relative_to(ws.top.resolve())
    except ValueError:
        raise SessionlogError(
            f"{spec}: is outside this repository ({ws.top}). Fix: pass a path inside it."
        ) from None
    if not rel.parts:
        raise SessionlogError(
            f"{spec}: is the repository's top. Fix: pass a file or folder inside it, e.g. "
            "`sessionlog context src/app.py`."
        )
    return str(PurePosixPath(*rel.parts))


def _relevance(path: str, key: str, how: str) -> tuple[float, str]:
    name = PurePosixPath(path).name
    if key == path:
        reason = {
            ci.COMMIT: f"a commit that changed {path} carried it",
            ci.REPLACES: f"it replaces a decision about {path}",
        }.get(how, f"it names {path}")
        return 3.0, reason
    if key == "*/" + name:
        return 2.0, f"it names {name}"
    return 1.0, f"it names the folder {key}/"


def items_for(data: dict[str, Any], path: str) -> list[dict[str, Any]]:
    """The index's items concerning `path`, each with why it concerns it, best first."""
    out: list[dict[str, Any]] = []
    for key, item in ci.lookup(data, path):
        score, reason = _relevance(path, key, item.get("keys", {}).get(key, ci.NAMED))
        score += _KIND_ORDER.get(item["kind"], 0.0)
        view = {k: v for k, v in item.items() if k not in ("keys", "source")}
        out.append({**view, "why": reason, "score": score})
    out.sort(key=lambda v: datetime.fromisoformat(v["at"]), reverse=True)  # newest first ...
    out.sort(key=lambda v: -v["score"])  # ... within the same relevance (a stable sort)
    return out


def naming(ws: Workspace, path: str) -> list[Record]:
    """The archived entries whose text names `path` (itself, a folder above it, its bare
    name): what `why` falls back on when the commit carried no entries."""
    wanted = set(ci.keys_for(path))
    return [
        r for r in ci.all_records(ws)
        if wanted & ci.named_keys([r.entry.title, *(b.text for b in r.entry.bullets)], ws.top)
    ]


def gather(ws: Workspace, path: str, records: Sequence[Record] | None = None) -> dict[str, Any]:
    """The fold over the whole archive for one path (commit links read from history)."""
    found = ci.all_records(ws) if records is None else records
    links = ci.commit_links(ws, path)
    fold = ci.Fold(ws.config.logs_dir)
    for record in found:
        fold.feed(record, ci.record_keys(ws, record, links.get(record.source, ())))
    return fold.data(findings_per_key=None)


def context(ws: Workspace, spec: str, today: date, cwd: Path | None = None) -> dict[str, Any]:
    """The answer as data: live items by kind, best first; expired decisions apart."""
    path = resolve(ws, spec, cwd)
    items = items_for(gather(ws, path), path)
    expired = [i for i in items if i["kind"] == "decision" and i["expires"]
               and date.fromisoformat(i["expires"]) <= today]
    live = [i for i in items if i not in expired]
    return {
        "path": path,
        "today": today.isoformat(),
        "count": len(live),
        "items": live,
        **{name: [i for i in live if i["kind"] == kind] for kind, name in _SECTIONS},
        "expired": expired,
    }


# --- `why`: decisions over time ---------------------------------------------------------------


def mark_lifecycle(
    ws: Workspace, entries: list[dict[str, Any]], records: Sequence[Record],
    view: Callable[[Record], dict[str, Any]], today: date | None = None,
) -> list[dict[str, Any]]:
    """`why`'s entries with each decision's state; a retired decision names what replaced
    it, and the replacing entries come first, marked as such.

    `entries` are the views of `records` (same order); `view` makes the view of a record.
    """
    from sessionlog_git.insight.decisionlog import decisions_of

    if not records:
        return entries
    # The lifecycle fold's month checkpoints: the history is not read (insight.decisionlog).
    by_place = decisions_of(ws.config, records)
    first: list[dict[str, Any]] = []
    placed: set[tuple[str, int]] = set()
    for entry, record in zip(entries, records, strict=True):
        decisions = [b for b in record.entry.bullets if b.kind == "decision"]
        for shown, bullet in zip(entry["decisions"], decisions, strict=True):
            decision = by_place.get((record.source, bullet.line))
            if decision is None:
                continue
            shown["state"] = decision.state(today)
            shown["expires"] = decision.expires.isoformat() if decision.expires else ""
            if decision.retired_by is None:
                continue
            later = decision.retired_by
            shown["retired_by"] = {
                "date": later.at.date().isoformat(), "author": later.user,
                "text": " ".join((decision.retiring.text if decision.retiring else "").split()),
                "replacements": [d.text for d in decision.replacements],
                "link": str(PurePosixPath(ws.config.logs_dir, later.source)),
            }
            entry["superseded"] = True
            key = (later.source, later.entry.line)
            if decision.replacements and key not in placed:
                placed.add(key)
                first.append({**view(later), "replacement_for": [decision.text]})
            elif decision.replacements:
                for item in first:
                    if item["link"].endswith(later.source):
                        item["replacement_for"].append(decision.text)
    # An entry that is itself a replacement shows once, first.
    rest = [e for e, r in zip(entries, records, strict=True) if (r.source, r.entry.line) not in placed]
    return [*first, *rest]
