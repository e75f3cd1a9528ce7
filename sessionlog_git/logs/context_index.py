"""Which live reasoning concerns which file: the fold behind `sessionlog context`, and the
index consolidation keeps of it for the pre-edit hook.

An item is a live decision, an open blocker or a recorded failed attempt (`Tried:`,
`Root cause:`), with the paths it concerns. A record concerns a path when the commit that
carried it changed the path (the archive file and the code land in one commit), or when its
text names the path (a token with a `/`, a file at the top, or a bare file name such as
`payments.py`, which then concerns every file of that name). A decision that replaces a
superseded one also concerns every path the superseded one did, so the replacement reaches
the files the old decision explained.

The index holds only live items; the pre-edit hook reads it through `read` (in
`logs.context_shards`, lean), which opens only the shards (`<state folder>/context-index/NN.json`,
by a checksum of the key) that the file's keys fall in, never the archive. A shard maps each
of its keys to that key's items, oldest first::

    {"payments.py": [{"id": "<id>", "how": "commit", "kind": "decision",
                      "text": "Decision: ...", "date": "2026-11-25",
                      "at": "2026-11-25T14:30:00+01:00", "author": "ada", "project": "shop",
                      "link": "logs/archive/2026-11/shop/ada/2026-11-25-<id>.md", "line": 12,
                      "expires": "", "replaces": [{"how": "superseded", "text": "..."}]}],
     "*/payments.py": [...], "services/api": [...]}

A key is a repository path (a file or a folder covering what is below it) or `*/NAME` (any
file named NAME). `read(state_path, path)` is all the hook needs: standard library only.

`logs.context_store` writes the shards: at each commit it folds the new archive files in,
their records concerning the files staged in the commit being made and the paths they name,
reading only what they touch; its `rebuild` folds the whole archive with the commit links
read from history (`commit_links`), and runs whenever the stored state does not match the
archive; its result is what an exact recompute gives.
"""
from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from sessionlog_git.constants import CONTEXT_INDEX
from sessionlog_git.logs.context_shards import SHARDS, keys_for, read, shard_name  # the hook's

TYPE_CHECKING = False  # the pre-edit hook reads this module: typing costs it an import
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Set
    from typing import Any

    from sessionlog_git.logs.model import Record
    from sessionlog_git.workspace import Workspace

VERSION = 1
FINDINGS_PER_KEY = 5  # the newest recorded failed attempts kept per path key
TEXT_LIMIT = 400  # characters of an item's text kept in the index (the hook shortens further)
COMMIT = "commit"  # the commit that carried the entry changed the path
NAMED = "named"  # the entry's text names the path
REPLACES = "replaces"  # a decision inherits the paths of the one it superseded
_BARE_FILE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.[A-Za-z][A-Za-z0-9]{0,7}$")
_TOKEN = re.compile(r"[A-Za-z0-9_.@+\-/]+")


# --- reading (the pre-edit hook reads the shards through logs.context_shards) ---------------

__all__ = ["SHARDS", "keys_for", "read", "shard_name"]  # re-exported: the callers' old names


def index_path(state_path: Path) -> Path:
    return state_path / CONTEXT_INDEX




def lookup(index: dict[str, Any], path: str) -> list[tuple[str, dict[str, Any]]]:
    """(key, item) for the live items concerning `path`, each once, by key strength."""
    seen: set[str] = set()
    out: list[tuple[str, dict[str, Any]]] = []
    paths, items = index["paths"], index["items"]
    for key in keys_for(path):
        for ident in paths.get(key, ()):
            item = items.get(ident)
            if item is not None and ident not in seen:
                seen.add(ident)
                out.append((key, item))
    return out


# --- the fold ---------------------------------------------------------------------------------


def named_keys(texts: Iterable[str], top: Path) -> set[str]:
    """The index keys for the paths an entry's text names (see logs/routing.named_paths)."""
    # Only a token with a `/` or a `.` can name a path: those alone, in their order, read
    # as one text (a space never joins two tokens), give the same paths. Most entries have
    # none, and this runs for every entry a commit folds.
    text = " ".join(texts)
    if "/" not in text and "." not in text:
        return set()  # no token can name a path: spare the tokeniser (most entries of a backlog)
    dotted = " ".join(token for token in _TOKEN.findall(text) if "/" in token or "." in token)
    if not dotted:
        return set()
    from sessionlog_git.logs.routing import named_paths

    keys = {p.removeprefix("./").strip("/") for p in named_paths([dotted], top)}
    for token in _TOKEN.findall(dotted):
        token = token.strip(".,;:()[]'\"`")
        if "/" not in token and _BARE_FILE.match(token):
            keys.add("*/" + token)
    return {k for k in keys if k and k != "*/"}


def _item_id(record: Record, line: int) -> str:
    return f"{record.source}#{line}"


# The bullets whose fold depends on the order of the records (and `expires`, which dates a
# decision): a step keeps them. Findings never retire anything and are not in steps.
STEP_KINDS = ("decision", "supersede", "revert", "blocker", "unblock")
_KEPT_KINDS = (*STEP_KINDS, "expires")
FOLDED_KINDS = frozenset((*STEP_KINDS, "finding"))  # a record with none of these adds nothing


_STEP_SET = frozenset(STEP_KINDS)
_KEPT_SET = frozenset(_KEPT_KINDS)  # (a step's bullets are picked by membership in it)
_BOOK_KINDS = frozenset(("decision", "supersede", "revert"))  # what a decision book reads
_RETIRING_KINDS = frozenset(("supersede", "revert"))  # what retires a decision
_BULLET_KINDS = frozenset(("blocker", "unblock", "finding"))  # what `_feed` reads bullet by bullet


def folds(record: Record) -> bool:
    """Whether feeding `record` can change the fold: it states, retires, opens or closes
    something, or records a finding. Most entries of a backlog do none of these; what they
    concern need not be worked out."""
    return not FOLDED_KINDS.isdisjoint([b.kind for b in record.entry.bullets])


def step_of(record: Record, keys: dict[str, str], at: str | None = None) -> dict[str, Any]:
    """A record as a step keeps it: its order, time, the bullets the order matters for, the
    keys it concerns; `add` and `ret` are filled as it is fed. `at`: the record's time in
    ISO form, when the caller made it already."""
    # (its fields in the order a state file writes them: the encoder's sort of them is
    # then a check of a run, at each of a backlog's thousands of steps)
    return {"add": [], "at": record.at.isoformat() if at is None else at,
            "b": [[b.kind, b.text, b.line] for b in record.entry.bullets if b.kind in _KEPT_SET],
            "k": list(record.sort_key()), "keys": dict(keys), "ret": []}


def step_record(project: str, step: dict[str, Any]) -> Record:
    """The record a step was made from, with only the bullets the step keeps (what feeding
    it again needs: its findings stay where they are)."""
    from datetime import datetime

    from sessionlog_git.logs.entries import Bullet, Entry
    from sessionlog_git.logs.model import Record

    _, user, source, line = step["k"]
    bullets = [Bullet(kind, text, at_line) for kind, text, at_line in step["b"]]
    entry = Entry(None, "", bullets, line=line, at=datetime.fromisoformat(step["at"]))
    return Record(entry, project, user, source)


class Fold:
    """Live items and the paths they concern, fed records in time order.

    `update` and `rebuild` feed the same fold; `items` and `paths` are the index's shape.
    """

    def __init__(self, logs_dir: str, data: dict[str, Any] | None = None) -> None:
        from sessionlog_git.base.text import words as _words
        from sessionlog_git.logs.lifecycle import Decision, DecisionBook, expiry
        from sessionlog_git.logs.model import Blocker, BlockerBook, Record

        self.logs_dir = logs_dir
        self.items: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, dict[str, str]] = {}  # id -> {key: how}
        self._books: dict[str, DecisionBook[Record]] = {}
        self._blockers: dict[str, BlockerBook] = {}
        self._ids: dict[int, str] = {}  # id(Decision or Blocker) -> item id
        self.texts: dict[str, str] = {}  # item id -> a decision's whole text (matching reads it)
        self._links: dict[str, str] = {}  # archive source -> its path from the top
        self._folder_links: dict[str, str] = {}  # an archive folder -> its path from the top
        self._words = _words
        self._decision, self._blocker, self._record = Decision, Blocker, Record
        self._decision_book, self._blocker_book = DecisionBook, BlockerBook
        self._expiry = expiry
        # Projects none of whose live decisions this fold can retire (the caller knows that
        # no record it feeds has a `Supersedes:` or `Reverted:` of them): their decisions
        # go straight to items (`_state`), never into a book to be matched against.
        self.unmatched: set[str] = set()
        # project -> the steps of the records fed that retire or open something (see `feed`),
        # in the order fed; None: not kept
        self.steps: dict[str, list[dict[str, Any]]] | None = None
        self._step: dict[str, Any] | None = None
        # The record whose items are being added, with its date, time and link as items
        # keep them (a record's items share them).
        self._times: tuple[Record, str, str, str] | None = None
        if data:
            self._restore(data)

    def _restore(self, data: dict[str, Any]) -> None:
        from sessionlog_git.logs.entries import Bullet, Entry, classify, expiry_date

        by_id: dict[str, set[str]] = {}
        for key, ids in data["paths"].items():
            for ident in ids:
                by_id.setdefault(ident, set()).add(key)
        stored = sorted(data["items"].items(), key=lambda kv: (kv[1]["at"], kv[0]))
        from datetime import datetime

        for ident, item in stored:
            self.items[ident] = item
            self.keys[ident] = dict(item.get("keys") or {k: NAMED for k in by_id.get(ident, ())})
            if item["kind"] == "finding":
                continue
            bullet = Bullet(classify(item["text"]), item["text"], item["line"])
            entry = Entry(None, "", [bullet], at=datetime.fromisoformat(item["at"]))
            record = self._record(entry, item["project"], item["author"], item["source"])
            if item["kind"] == "decision":
                expires = expiry_date("Expires: " + item["expires"]) if item["expires"] else None
                decision = self._decision(record, bullet, expires)
                self._book(item["project"]).add(decision)
                self._ids[id(decision)] = ident
            else:
                blocker = self._blocker(record, bullet)
                self._blocker_book_of(item["project"]).add(blocker)
                self._ids[id(blocker)] = ident

    def _book(self, project: str) -> Any:
        if project not in self._books:
            self._books[project] = self._decision_book(self._words)
        return self._books[project]

    def _blocker_book_of(self, project: str) -> Any:
        if project not in self._blockers:
            self._blockers[project] = self._blocker_book()
        return self._blockers[project]

    def _add(self, record: Record, line: int, kind: str, text: str, keys: dict[str, str],
             expires: str = "", replaces: list[dict[str, str]] | None = None) -> str:
        ident = f"{record.source}#{line}"  # _item_id
        self.items[ident] = self._item(record, line, kind, text, expires, replaces)
        self.keys[ident] = dict(keys)
        if kind == "decision":
            self.texts[ident] = text
        if self._step is not None and kind != "finding":
            self._step["add"].append(line)
        return ident

    def _item(self, record: Record, line: int, kind: str, text: str, expires: str,
              replaces: list[dict[str, str]] | None,
              keys: dict[str, str] | None = None) -> dict[str, Any]:
        """An item as the index has it; `expires` and `replaces`: a decision's. With `keys`,
        as the store keeps it: with them, and a decision's whole text when the index
        shortened it (`full`). Its fields in the order a state file writes them (sorted):
        the encoder's sort of them is then a check of a run, at each of a backlog's
        thousands of items."""
        times = self._times
        if times is None or times[0] is not record:  # made once for a record's items
            times = self._times = self._times_of(record)
        short = " ".join(text.split())[:TEXT_LIMIT]
        item: dict[str, Any] = {"at": times[2], "author": record.user, "date": times[1],
                                "expires": expires}
        if keys is not None:
            if kind == "decision" and text != short:
                item["full"] = text
            item["keys"] = keys
        item["kind"] = kind
        item["line"] = line
        item["link"] = times[3]
        item["project"] = record.project
        item["replaces"] = [] if replaces is None else replaces
        item["source"] = record.source
        item["text"] = short
        return item

    def _times_of(self, record: Record) -> tuple[Record, str, str, str]:
        """`record` with its date, time and link as its items keep them (the date is the
        time's first ten characters: ISO 8601 writes the date first)."""
        at = record.at.isoformat()
        link = self._links.get(record.source)
        return record, at[:10], at, link if link is not None else self._link(record.source)

    def _link(self, source: str) -> str:
        """An archive source's path from the top (each source's items share it)."""
        link = self._links.get(source)
        if link is None:
            link = self._links[source] = self._join(source)
        return link

    def _join(self, source: str) -> str:
        """`str(PurePosixPath(logs_dir, source))`, the path built once per folder, not once
        per archive file (a backlog's hundreds share ten folders): a plain file name goes
        after its folder's path as it is."""
        folder, _, name = source.rpartition("/")
        if not folder or name in ("", ".", ".."):
            return str(PurePosixPath(self.logs_dir, source))
        base = self._folder_links.get(folder)
        if base is None:
            base = self._folder_links[folder] = str(PurePosixPath(self.logs_dir, folder))
        if base.endswith("/") or base == ".":
            return str(PurePosixPath(self.logs_dir, source))
        return f"{base}/{name}"

    def _drop(self, ident: str | None) -> dict[str, Any] | None:
        """Take a retired item out; it as the store keeps it (with its keys), or None."""
        if ident is None or ident not in self.items:
            return None
        item = {**self.items.pop(ident), "keys": self.keys.pop(ident, {})}
        full = self.texts.pop(ident, None)
        if full is not None and full != item["text"]:
            item["full"] = full
        return item

    def _retire(self, ident: str | None, text: str) -> dict[str, str]:
        """Drop a retired decision or closed blocker (`text`: its whole bullet); its keys.
        The step being fed notes what it was, so that the step can be taken back."""
        item = self._drop(ident)
        if item is None:
            return {}
        if self._step is not None:
            self._step["ret"].append([ident, item, text])
        keys: dict[str, str] = item["keys"]
        return keys

    def open_blockers(self) -> dict[str, list[list[str]]]:
        """project -> its open blockers, oldest first: [id, text, author, at]."""
        return {
            project: [[self._ids[id(b)], b.bullet.text, b.record.user, b.record.at.isoformat()]
                      for b in book.still_open]
            for project, book in self._blockers.items()
        }

    def feed(self, record: Record, keys: dict[str, str], kinds: Set[str] | None = None) -> None:
        """Fold in one record (after all fed before) that concerns `keys` ({key: how});
        `kinds`: the set of its bullets' kinds, when the caller made it already.

        With `steps` kept, a record that states, retires, opens or closes something (the
        part of the fold whose outcome depends on the order) leaves a step: what it was
        (`step_record` makes it again) and what it changed (the lines it added items at,
        the items it retired as they were), so a later fold can take it back and feed it
        again after an entry that belongs before it (logs.context_store)."""
        if kinds is None:
            kinds = {b.kind for b in record.entry.bullets}
        if FOLDED_KINDS.isdisjoint(kinds):  # folds(record)
            return  # no item, no step: feeding it changes nothing
        steps = self.steps
        if steps is None or _STEP_SET.isdisjoint(kinds):
            self._feed(record, keys, kinds)
            return
        times = self._times = self._times_of(record)  # (its items share them)
        step = self._step = step_of(record, keys, times[2])
        try:
            self._feed(record, keys, kinds)
        finally:
            self._step = None
            found = steps.get(record.project)
            if found is None:
                steps[record.project] = [step]
            else:
                found.append(step)

    def _feed(self, record: Record, keys: dict[str, str], kinds: Set[str]) -> None:
        project = record.project
        if not _BOOK_KINDS.isdisjoint(kinds):  # else the book's step does nothing
            if project in self.unmatched:
                if not _RETIRING_KINDS.isdisjoint(kinds):
                    raise ValueError(f"{record.source}: retires a decision of {project}, "
                                     "which the fold was told nothing would")
                self._state(record, keys)
            else:
                self._step_book(record, keys)
        if _BULLET_KINDS.isdisjoint(kinds):
            return  # (most records that fold state a decision and nothing else)
        book = self._blocker_book_of(project)
        for bullet in record.entry.bullets:
            if bullet.kind == "blocker":
                blocker = self._blocker(record, bullet)
                book.add(blocker)
                self._ids[id(blocker)] = self._add(record, bullet.line, "blocker", bullet.text, keys)
            elif bullet.kind == "unblock":
                closed = book.close(record, bullet)
                if closed is not None:
                    self._retire(self._ids.pop(id(closed), None), closed.bullet.text)
            elif bullet.kind == "finding":
                self._add(record, bullet.line, "finding", bullet.text, keys)

    def _step_book(self, record: Record, keys: dict[str, str]) -> None:
        """`record` through its project's decision book: what it retires goes, what it
        states is added (a replacement with the paths of what it superseded)."""
        new, retired = self._book(record.project).step(record)
        inherited: dict[str, str] = {}
        replaced: list[dict[str, str]] = []
        for old in retired:
            old_keys = self._retire(self._ids.pop(id(old), None), old.bullet.text)
            if old.how == "superseded":
                inherited.update({k: REPLACES for k in old_keys if k not in keys})
                replaced.append({"how": old.how, "text": old.text[:TEXT_LIMIT]})
        for decision in new:
            ident = self._add(record, decision.bullet.line, "decision", decision.bullet.text,
                              {**inherited, **keys} if inherited else keys,  # (`_add` copies)
                              decision.expires.isoformat() if decision.expires else "", replaced)
            self._ids[id(decision)] = ident

    def _state(self, record: Record, keys: dict[str, str]) -> None:
        """The decisions `record` states, added as `_feed` adds them, for a project whose
        decisions nothing this fold feeds retires (`unmatched`): never matched, they need
        not be in its book (a backlog's thousands, each a `Decision` and words to index)."""
        stated = [b for b in record.entry.bullets if b.kind == "decision"]
        if not stated:
            return
        expires = self._expiry(record.entry)  # (as `DecisionBook.step` dates them)
        at = expires.isoformat() if expires else ""
        for bullet in stated:
            self._add(record, bullet.line, "decision", bullet.text, keys, at, [])

    def data(self, findings_per_key: int | None = FINDINGS_PER_KEY) -> dict[str, Any]:
        """The index: live items oldest first, each key's ids in that order. Findings never
        retire, so the index keeps only the newest `findings_per_key` of each key (the same
        cut whether folded commit by commit or rebuilt); `context` asks for all (None)."""
        order = sorted(self.items, key=lambda i: (self.items[i]["at"], i))
        findings: dict[str, int] = {}
        kept_keys: dict[str, dict[str, str]] = {}
        for ident in reversed(order):
            keys = self.keys.get(ident, {})
            if self.items[ident]["kind"] == "finding":
                keys = {k: h for k, h in keys.items()
                        if findings_per_key is None or findings.get(k, 0) < findings_per_key}
                for key in keys:
                    findings[key] = findings.get(key, 0) + 1
                if not keys:
                    continue  # concerns no path (any more), and retires nothing: dropped
            # A live decision or open blocker that concerns no path stays: a later
            # Supersedes:/Unblocked: is matched against all of them, as in a rebuild.
            kept_keys[ident] = keys
        paths: dict[str, list[str]] = {}
        items: dict[str, dict[str, Any]] = {}
        for ident in order:
            if ident not in kept_keys:
                continue
            keys = kept_keys[ident]
            items[ident] = {**self.items[ident], "keys": keys}
            for key in keys:
                paths.setdefault(key, []).append(ident)
        return {"v": VERSION, "paths": paths, "items": items}


# --- what a record concerns -------------------------------------------------------------------


def _own(ws: Workspace, path: str) -> bool:
    from sessionlog_git.constants import CONFIG_NAME

    cfg = ws.config
    ours = (cfg.logs_dir.rstrip("/") + "/", cfg.pending_dir.rstrip("/") + "/", ".sessionlog/")
    return path == CONFIG_NAME or path.startswith(ours)


def record_keys(ws: Workspace, record: Record, changed: Iterable[str],
                commit: dict[str, str] | None = None) -> dict[str, str]:
    """What a record concerns: the files its commit changed, and the paths it names.
    `commit`: `commit_keys(ws, changed)`, when the caller made it once for many records."""
    entry = record.entry
    texts = [entry.title]
    texts += [b.text for b in entry.bullets]  # (a list, not a generator: once per record)
    named = named_keys(texts, ws.top)
    keys = dict.fromkeys(named, NAMED) if named else {}
    keys.update(commit_keys(ws, changed) if commit is None else commit)
    return keys


def commit_keys(ws: Workspace, changed: Iterable[str]) -> dict[str, str]:
    """The keys of the files a commit changed (sessionlog's own left out)."""
    return {p: COMMIT for p in changed if not _own(ws, p)}


def staged_files(ws: Workspace) -> list[str]:
    """The files of the commit being made (the index git gave the hook), less sessionlog's
    own (`record_keys` would leave them out anyway; filtered here once, not per record: a
    first consolidation stages hundreds of archive files)."""
    from sessionlog_git import gitops

    out = gitops.run("diff", "--cached", "--name-only", "--no-renames", "-z", cwd=ws.top, check=False)
    return [p for p in out.split("\0") if p and not _own(ws, p)]


PATHSPECS = 256  # archive files named one by one to `git log`; more, and their folders are


def commit_links(ws: Workspace, path: str | None = None, *,
                 sources: Collection[str] = ()) -> dict[str, set[str]]:
    """Archive source (relative to the logs folder) -> the files the commit that added it
    changed; with `path`, only commits that changed `path` (and only that file is listed);
    with `sources`, only those archive files, read from the commits that changed them (or
    their folders) alone.

    One `git log` over the history. A merge's own diff is not read (its parents' commits
    are); a squash merge, a cherry-pick or a rebased commit is an ordinary commit. A commit
    that added a pack added the files it lists, less those it packed (`gitarchive.brought`:
    the walk's packs read in one batch at its end, none when it met no pack).
    """
    from sessionlog_git import gitops
    from sessionlog_git.logs import gitarchive, layout
    from sessionlog_git.logs.layout import archive_match
    from sessionlog_git.logs.packs import PREFIX

    cfg = ws.config
    prefix = str(PurePosixPath(cfg.logs_dir, "archive")) + "/"
    wanted = {str(PurePosixPath(cfg.logs_dir, s)) for s in sources}
    folders = sorted({str(PurePosixPath(rel).parent) for rel in wanted})
    # A file named alone is also found in a pack of its folder (a backlog's): the packs too.
    only = sorted(wanted) + [f"{f}/{PREFIX}*.md" for f in folders] if len(wanted) <= PATHSPECS \
        else [f"{f}/" for f in folders]
    specs = ["--full-diff", "--", *only] if only else ["--", *([path, prefix] if path else [])]
    out = gitops.run(
        "log", "--format=%x00%H", "--name-status", "--no-renames", "-z", *specs,
        cwd=ws.top, check=False,
    )
    # -z layout: NUL sha NUL, then (status NUL path NUL)*, a status led by a newline.
    links: dict[str, set[str]] = {}
    # (commit, changed files, added archive files, its archive paths added or deleted)
    commits: list[tuple[str, list[str], list[str], list[tuple[str, str]]]] = []
    tokens = out.split("\0")
    i = 0
    while i < len(tokens):
        token = tokens[i].strip()
        if not token:
            if i + 1 < len(tokens) and tokens[i + 1].strip():
                commits.append((tokens[i + 1].strip(), [], [], []))
                i += 2  # the sha
            else:
                i += 1
            continue
        name = tokens[i + 1] if i + 1 < len(tokens) else ""
        i += 2
        if not commits or not name:
            continue
        _sha, changed, added, archived = commits[-1]
        changed.append(name)
        # What `brought` needs, kept cheap for a walk of a million archive files: packs added
        # or deleted, and archive files deleted (a packing's; rare otherwise).
        if (token[:1] == "D" or (token[:1] == "A" and "/" + PREFIX in name)) and name.startswith(prefix):
            archived.append((token[:1], name))
        if not token.startswith("A") or (wanted and name not in wanted):
            continue
        if name.startswith(prefix) and archive_match(PurePosixPath(name).name):
            added.append(name)
    # Packs a commit added or deleted: the files they bring, all read in one batch at the end.
    packed = gitarchive.brought(ws.top, {sha: archived for sha, _, _, archived in commits if archived})
    for sha, changed, added, _archived in commits:
        added += sorted(rel for rel in packed.get(sha, ()) if not wanted or rel in wanted)
        if not added:
            continue
        files = [f for f in changed if not _own(ws, f) and (path is None or f == path)]
        if path is not None and not files:
            continue
        for rel in added:
            links.setdefault(layout.source_of(cfg.logs_dir, rel), set()).update(files)
    return links


def all_records(ws: Workspace) -> list[Record]:
    """Every archived entry of every project, in time order, through the parse cache that
    consolidation keeps (a file is parsed once for as long as it exists)."""
    from sessionlog_git.logs import archive, layout
    from sessionlog_git.logs.model import ordered

    cfg = ws.config
    folders = sorted({(log.project, log.month)
                      for log in layout.walk(layout.archive_root(cfg.logs_path), archive=True)})
    records: list[Record] = []
    for project, month in folders:
        # Unreadable archive files yield nothing here; `sessionlog check` reports them.
        records += archive.month_records(cfg.logs_path, project, month, cfg.timezone,
                                         cfg.state_path / "cache")
    return ordered(records)
