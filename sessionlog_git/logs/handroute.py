"""Hand-written entries are routed by the files they name, as `sessionlog log` routes.

`sessionlog log` picks the project when it writes (`routing.route`) and writes the entry into
that project's temp log. An entry a person (or an assistant's file tool) appends by hand has
no `at=` line, and lands in whatever temp log it was typed into, usually the default
project's. At consolidation, such an entry in the default project's temp log whose text
names paths of another project (the same evidence `sessionlog log` uses first; the work
tree's changed files are not consulted, since they belong to the commit, not to the entry)
is archived under that project instead.

The split is a pure function of the temp log's bytes, so a consolidation that is killed and
run again archives the same files (archive files are named by content): every line of the
temp log lands in exactly one archive file. The moved entries keep the temp log's header
lines (its date and offset meta decide their times), with the title naming their project.
"""
from __future__ import annotations

from pathlib import Path

from sessionlog_git.config import Config
from sessionlog_git.logs.entries import TempLog

TITLE = "# sessionlog: "


def split(cfg: Config, top: Path, project: str, log: TempLog, text: str
          ) -> dict[str, str] | None:
    """{project: text} when some hand-written entries of this temp log (of `project`) belong
    to other projects; None when every entry stays (the text is archived as it is). The
    temp log's own project is left out when nothing of it remains but its title and meta."""
    if not cfg.projects or project != cfg.project or not log.entries:
        return None
    from sessionlog_git.logs import routing

    lines = text.split("\n")
    starts = [e.line for e in log.entries]
    spans = [(start - 1, (starts[i + 1] - 1) if i + 1 < len(starts) else len(lines))
             for i, start in enumerate(starts)]
    moved: dict[str, list[int]] = {}
    for entry, (first, _) in zip(log.entries, spans, strict=True):
        if entry.meta.get("at") or entry.meta.get("auto") or first < 0:
            continue  # written by `sessionlog log` (already routed) or by the hooks
        texts = [entry.title, *(b.text for b in entry.bullets)]
        chosen = routing.route(cfg, top, texts, changed=[])
        if chosen.project != project and routing.named_paths(texts, top):
            moved.setdefault(chosen.project, []).append(starts.index(entry.line))
    if not moved:
        return None
    gone = {i for indexes in moved.values() for i in indexes}
    head = lines[:spans[0][0]]  # the title, meta lines and any text before the first entry
    out: dict[str, str] = {}
    if len(gone) < len(spans) or log.preamble:
        out[project] = "\n".join(head + [line for i, (a, b) in enumerate(spans) if i not in gone
                                         for line in lines[a:b]])
    for target, indexes in sorted(moved.items()):
        own = [_retitle(line, project, target) for line in log.header]
        body = [line for i in indexes for line in lines[spans[i][0]:spans[i][1]]]
        out[target] = "\n".join([*own, *body]).rstrip("\n") + "\n"
    return out


def _retitle(line: str, source: str, target: str) -> str:
    if line.startswith(f"{TITLE}{source} /"):
        return f"{TITLE}{target} /" + line[len(f"{TITLE}{source} /"):]
    return line
