"""Full-text search over archived and pending entries, ranked by bm25 (SQLite FTS5).

The index lives outside the work tree and outside what git tracks: `search.db` in this work
tree's git folder (`git rev-parse --git-path sessionlog/search.db`). Every search brings it up
to date first: each log file (archive and pending) is known by its path, size and mtime, and
only files that are new, changed or gone are read again. Archive files are content-named and
never change, so after the first search only the pending logs of the day are re-read.

One row per entry title and per bullet (its kind kept beside it), so `--kind decision` finds
decisions, and an entry is ranked by its best row. Query words are matched with the Porter
stemmer ("dropped" finds "drop"), any of them (OR), rare words weighing more (bm25).
"""
from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sessionlog_git.base import statedir
from sessionlog_git.config import Config
from sessionlog_git.errors import SessionlogError
from sessionlog_git.gitops import git_path
from sessionlog_git.logs import continuity, layout

SCHEMA = 2
MAX_BULLETS = 999  # rows per entry: rowid = entry id * 1000 + position (0: the title)
INDEX_NAME = "sessionlog/search.db"
_QUERY_WORD = re.compile(r"\w+", re.UNICODE)
# A query is split the way SQLite's unicode61 tokenizer splits the indexed text (not by
# base.text.words, which decides what our own matching compares); question words are dropped.
_QUESTION_WORDS = frozenset(
    "a an and are as at be by did do does for from had has have how i in is it of on or our the "
    "this that to was we were what when where which who why will with".split()
)


@dataclass(frozen=True)
class Stats:
    files: int
    read: int  # files (re)indexed by this search
    removed: int
    entries: int


def index_path(top: Path) -> Path:
    return git_path(top, INDEX_NAME)


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), timeout=30)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA:
        db.executescript(
            """
            DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS entries; DROP TABLE IF EXISTS docs;
            DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS dirs;
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE files (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, pending INTEGER);
            CREATE TABLE dirs (path TEXT PRIMARY KEY, mtime_ns INTEGER);
            CREATE TABLE entries (id INTEGER PRIMARY KEY, path TEXT, project TEXT, user TEXT,
                                  at TEXT, ts REAL, line INTEGER, title TEXT, agent TEXT);
            CREATE INDEX entries_path ON entries(path);
            """
        )
        try:
            db.execute("CREATE VIRTUAL TABLE docs USING fts5(text, kind UNINDEXED, "
                       "tokenize='porter unicode61')")
        except sqlite3.OperationalError as exc:
            raise SessionlogError(
                f"search needs SQLite's FTS5, which this Python's sqlite3 lacks ({exc}). Fix: use a "
                "Python built with FTS5 (the python.org and distribution builds have it)."
            ) from None
        db.execute(f"PRAGMA user_version = {SCHEMA}")
        db.commit()
    return db


@dataclass(frozen=True)
class Folder:
    """One contributor's folder of log files: pending, or one archive month's."""

    folder: layout.Folder
    rel: str  # relative to the work tree, POSIX
    pending: bool
    mtime_ns: int


def _folders(cfg: Config) -> Iterator[Folder]:
    """Every pending and archive contributor folder, with its modification time (the one
    walker, layout's: with 100,000 entries this walk is most of a search's cost)."""
    places = [(layout.folders(cfg.pending_path, archive=False),
               statedir.display(cfg.top, cfg.pending_path), True),
              (layout.folders(layout.archive_root(cfg.logs_path), archive=True),
               layout.archive_prefix(cfg.logs_dir.strip("/")), False)]
    for found, rel, pending in places:
        for folder in found:
            try:
                mtime = os.stat(folder.path).st_mtime_ns
            except OSError:
                continue
            parts = [folder.month, folder.project, folder.user] if folder.month else [
                folder.project, folder.user]
            yield Folder(folder, "/".join([rel, *parts]), pending, mtime)


def _forget(db: sqlite3.Connection, path: str) -> None:
    ids = [row[0] for row in db.execute("SELECT id FROM entries WHERE path = ?", (path,))]
    for ident in ids:
        db.execute("DELETE FROM docs WHERE rowid BETWEEN ? AND ?",
                   (ident * (MAX_BULLETS + 1), ident * (MAX_BULLETS + 1) + MAX_BULLETS))
    db.execute("DELETE FROM entries WHERE path = ?", (path,))
    db.execute("DELETE FROM files WHERE path = ?", (path,))


def _add(db: sqlite3.Connection, cfg: Config, f: continuity.LogFile, pending: bool, mtime: int,
         size: int) -> None:
    db.execute("INSERT INTO files VALUES (?, ?, ?, ?)", (f.source, mtime, size, int(pending)))
    for record in continuity.records(cfg, [f]):
        entry = record.entry
        cur = db.execute(
            "INSERT INTO entries (path, project, user, at, ts, line, title, agent) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (f.source, record.project, record.user, record.at.isoformat(), record.at.timestamp(),
             entry.line, " ".join(entry.title.split()), entry.meta.get("agent", "")),
        )
        base = int(cur.lastrowid or 0) * (MAX_BULLETS + 1)
        rows = [(base, " ".join(entry.title.split()), "title")]
        rows += [(base + i, " ".join(b.text.split()), b.kind)
                 for i, b in enumerate(entry.bullets[:MAX_BULLETS], 1) if b.text.strip()]
        db.executemany("INSERT INTO docs (rowid, text, kind) VALUES (?, ?, ?)", rows)


def refresh(db: sqlite3.Connection, cfg: Config) -> Stats:
    """Bring the index up to date with the log files on disk: read only what changed.

    An archive folder whose modification time is the one indexed gained and lost no file, so it
    is not even listed; in a listed one, a known archive file is known by its name (archive files
    are named by their content). Pending files are known by size and modification time.
    """
    settings = f"{cfg.logs_dir}\0{cfg.pending_dir}\0{cfg.timezone}"
    known_settings = db.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
    if known_settings is None or known_settings[0] != settings:
        db.executescript("DELETE FROM files; DELETE FROM entries; DELETE FROM docs; DELETE FROM dirs;")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('settings', ?)", (settings,))
    known = {path: (mtime, size)
             for path, mtime, size in db.execute("SELECT path, mtime_ns, size FROM files")}
    known_dirs = dict(db.execute("SELECT path, mtime_ns FROM dirs").fetchall())
    seen_dirs: set[str] = set()
    read = removed = 0
    recent = time.time_ns() - 2_000_000_000  # a folder changed this recently may change in the same tick
    for folder in _folders(cfg):
        seen_dirs.add(folder.rel)
        if not folder.pending and known_dirs.get(folder.rel) == folder.mtime_ns:
            continue
        present: set[str] = set()
        for found in layout.files_in(folder.folder, archive=not folder.pending):
            source = f"{folder.rel}/{found.name}"
            if not folder.pending and source in known:
                present.add(source)
                continue
            try:
                st = os.stat(found.physical)  # a packed file's pack
            except OSError:
                continue
            size = st.st_size if found.pack is None else found.size
            present.add(source)
            if known.get(source) == (st.st_mtime_ns, size):
                continue
            if source in known:
                _forget(db, source)
            log = continuity.LogFile(Path(found.path), found.project, found.user, found.day, source,
                                     found)
            _add(db, cfg, log, folder.pending, st.st_mtime_ns, size)
            read += 1
        prefix = folder.rel + "/"
        for path in [p for p in known if p.startswith(prefix) and p not in present]:
            _forget(db, path)
            removed += 1
        db.execute("INSERT OR REPLACE INTO dirs VALUES (?, ?)",
                   (folder.rel, folder.mtime_ns if folder.mtime_ns < recent else 0))
    for rel in set(known_dirs) - seen_dirs:
        prefix = rel + "/"
        for path in [p for p in known if p.startswith(prefix)]:
            _forget(db, path)
            removed += 1
        db.execute("DELETE FROM dirs WHERE path = ?", (rel,))
    db.commit()
    files = db.execute("SELECT count(*) FROM files").fetchone()[0]
    entries = db.execute("SELECT count(*) FROM entries").fetchone()[0]
    return Stats(files, read, removed, entries)


def match_expression(query: str) -> str:
    """Words of a question as an FTS5 expression: any of them, each quoted (no syntax leaks)."""
    words = [w.lower() for w in _QUERY_WORD.findall(query)]
    kept = [w for w in words if w not in _QUESTION_WORDS] or words
    unique = list(dict.fromkeys(kept))
    return " OR ".join(f'"{w}"' for w in unique)


# What --kind accepts: a bullet's kind, or `title` for entry titles.
SEARCH_KINDS = ("decision", "finding", "blocker", "unblock", "next", "summary", "note", "title")


def search(cfg: Config, query: str, *, author: str | None = None, project: str | None = None,
           kind: str | None = None, since: datetime | None = None, limit: int = 10,
           index: Path | None = None) -> dict[str, Any]:
    if kind is not None and kind not in SEARCH_KINDS:
        raise SessionlogError(f"search kind {kind!r}: unknown. Fix: pass one of "
                              f"{', '.join(SEARCH_KINDS)}.")
    expression = match_expression(query)
    if not expression:
        raise SessionlogError(
            f"search {query!r}: no words to look for. Fix: give words, e.g. "
            "`sessionlog search redis session store`."
        )
    path = index or index_path(cfg.top)
    try:
        db = _connect(path)
        stats = refresh(db, cfg)
    except sqlite3.DatabaseError:
        path.unlink(missing_ok=True)  # a damaged index is only a cache: build it again
        db = _connect(path)
        stats = refresh(db, cfg)
    inner = ["docs MATCH ?"]
    params: list[Any] = [expression]
    if kind:
        inner.append("docs.kind = ?")
        params.append(kind)
    outer = ["1"]
    if author:
        outer.append("e.user = ?")
        params.append(author)
    if project:
        outer.append("e.project = ?")
        params.append(project)
    if since is not None:
        outer.append("e.ts >= ?")
        params.append(since.timestamp())
    # An entry ranks by its best row; ties go to the newer entry, then the file and line.
    # (bm25 cannot sit inside an aggregate: the subquery ranks rows, the outer query groups.)
    ranked = db.execute(
        f"SELECT e.id, min(m.r) AS best FROM (SELECT docs.rowid / {MAX_BULLETS + 1} AS id, "
        f"bm25(docs) AS r FROM docs WHERE {' AND '.join(inner)} LIMIT -1) AS m "
        f"JOIN entries e ON e.id = m.id WHERE {' AND '.join(outer)} GROUP BY e.id "
        "ORDER BY round(best, 9), e.ts DESC, e.path, e.line",
        params,
    ).fetchall()
    best = ranked[:limit]
    matched: dict[int, set[int]] = {}
    if best:
        ids = ",".join(str(int(i)) for i, _ in best)
        for (rowid,) in db.execute(
                f"SELECT rowid FROM docs WHERE docs MATCH ? AND rowid / {MAX_BULLETS + 1} IN ({ids})"
                + (" AND kind = ?" if kind else ""), [expression, *([kind] if kind else [])]):
            matched.setdefault(rowid // (MAX_BULLETS + 1), set()).add(rowid)
    results = []
    for ident, rank in best:
        _, source, proj, user, at, line, title, agent = db.execute(
            "SELECT id, path, project, user, at, line, title, agent FROM entries WHERE id = ?",
            (ident,)).fetchone()
        base = ident * (MAX_BULLETS + 1)
        bullets = [
            {"kind": k, "text": t, "matched": rowid in matched[ident]}
            for rowid, t, k in db.execute(
                "SELECT rowid, text, kind FROM docs WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
                (base + 1, base + MAX_BULLETS))
        ]
        when = datetime.fromisoformat(at)
        results.append({
            "score": round(-rank, 4),
            "date": when.date().isoformat(), "time": f"{when:%H:%M}", "at": at,
            "user": user, "project": proj, "title": title, "agent": agent,
            "title_matched": base in matched[ident],
            "bullets": bullets,
            "file": source, "line": line,
            "pending": not source.startswith(f"{cfg.logs_dir}/"),
        })
    db.close()
    return {
        "query": query,
        "match": expression,
        "filters": {"author": author, "project": project, "kind": kind,
                    "since": since.isoformat() if since else None},
        "total": len(ranked),
        "shown": len(results),
        "results": results,
        "index": {"files": stats.files, "entries": stats.entries},
    }
