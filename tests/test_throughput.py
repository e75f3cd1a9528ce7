"""Consolidating many temp logs at once (a first commit, a team's backlog): the shortcuts that
make it fast change nothing a user sees, and keep every guarantee of the slow path."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import Repo

from sessionlog_git.base import fsutil


def _written(folder: Path, n: int) -> list[str | os.PathLike[str]]:
    paths: list[str | os.PathLike[str]] = []
    for i in range(n):
        path = folder / f"u{i % 7}" / f"2024-06-{i % 28 + 1:02d}-{i:04x}.md"
        fsutil.atomic_write_bytes(path, f"entry {i}\n".encode(), sync=False)
        paths.append(path)
    return paths


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux's")
def test_many_files_are_synced_by_one_syncfs_per_file_system(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _written(tmp_path, fsutil.SYNCFS_FROM + 5)
    syncfs = fsutil._syncfs()
    if syncfs is None:
        pytest.skip("this kernel's syncfs does not report write-back errors (before 5.8)")
    calls: list[str] = []
    fsyncs: list[int] = []

    def counted(fd: int, path: str) -> None:
        calls.append(path)
        syncfs(fd, path)  # the real system call

    monkeypatch.setattr(fsutil, "_SYNCFS", [counted])
    monkeypatch.setattr(os, "fsync", fsyncs.append)
    fsutil.sync_all(paths)
    assert len(calls) == 1 and calls[0] == os.fspath(paths[0])  # one file system here
    assert fsyncs == []
    assert (tmp_path / "u0" / "2024-06-01-0000.md").read_bytes() == b"entry 0\n"



def _counted_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The descriptors `os.fsync` is called with from now on (each still really synced)."""
    synced: list[int] = []
    real = os.fsync

    def counted(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counted)
    return synced

def test_a_few_files_are_synced_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _written(tmp_path, 3)
    synced = _counted_fsyncs(monkeypatch)
    fsutil.sync_all(paths)
    assert len(synced) == 3 + 3  # each file, then each of its three folders


def test_without_syncfs_every_file_and_folder_is_fsynced(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _written(tmp_path, fsutil.SYNCFS_FROM + 5)
    monkeypatch.setattr(fsutil, "_SYNCFS", [None])  # another system, or Linux before 5.8
    synced = _counted_fsyncs(monkeypatch)
    fsutil.sync_all(paths)
    assert len(synced) == len(paths) + 7


def test_a_failed_syncfs_is_an_error_naming_the_file(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _written(tmp_path, fsutil.SYNCFS_FROM)

    def failing(fd: int, path: str) -> None:
        raise OSError(5, os.strerror(5), path)

    monkeypatch.setattr(fsutil, "_SYNCFS", [failing])
    with pytest.raises(OSError) as caught:
        fsutil.sync_all(paths)
    assert caught.value.filename == os.fspath(paths[0])


# --------------------------------------------------------------------------- a backlog, end to end


def test_a_backlog_of_temp_logs_commits_exactly_as_each_log_would_alone(native_repo: Repo) -> None:
    """Forty temp logs in one commit (a team's backlog, a first consolidation): the batch's
    redaction, the one syncfs and the context fold give every log the archive file its own
    redaction gives it, views equal to a rebuild, an index equal to --rebuild-index."""
    import base64
    from datetime import date, datetime, timedelta, timezone

    import leak_corpus as corpus

    from sessionlog_git.logs import context_store, layout
    from sessionlog_git.logs.entries import entry_from_parts, file_header, format_entry
    from sessionlog_git.logs.redact import redact

    repo = native_repo
    repo.log("2026-06-01T09:00:00+02:00", "Set up", "Decision: one project folder")
    project = repo.pending()[0].parent.parent.name
    repo.pending()[0].unlink()
    token = "gh" + "p_" + corpus.Gen(41).s(36)
    creds = base64.b64encode(f"ops:{corpus.Gen(43).s(14)}".encode()).decode()  # user:password
    originals: dict[tuple[str, date], str] = {}
    for u, user in enumerate(("ada", "grace", "linus", "ken")):
        for d in range(10):
            day = date(2026, 6, 1) + timedelta(days=d)
            lines = [*file_header(project, user, day, "Europe/Berlin", "+02:00"), ""]
            for i in range(3):
                at = datetime(day.year, day.month, day.day, 9 + i, 5 * u, tzinfo=timezone(timedelta(hours=2)))
                bullets = [f"Decision: cache the {user} report for day {d}, because reads dominate"]
                if (u + d + i) % 7 == 0:
                    bullets.append(f"Tried: the token {token} from the vault in app.py")
                if (u + d + i) % 11 == 0:
                    bullets.append(f"Found: the proxy sent Authorization: Ba\u017fic {creds} to src/pay.py")
                entry = entry_from_parts(f"{at:%H:%M}", f"Report cache {i}", bullets, {"at": at.isoformat()})
                lines += [*format_entry(entry), ""]
            text = "\n".join(lines)
            path = layout.pending_file(repo.state() / "pending", project, user, day)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            originals[(user, day)] = text

    repo.write("src/pay.py", "CACHE = True\n")
    repo.git("add", "src/pay.py")
    out = repo.git("commit", "-q", "-m", "Report cache")
    assert repo.pending() == [] and repo.porcelain() == []
    archived = repo.archived()  # each contributor's twenty in one pack (consolidate.PACK_FROM)
    assert len(archived) == len(originals) == 40
    for path, data in archived.items():
        user, day = path.parent.name, date.fromisoformat(path.name[:10])
        text = data.decode("utf-8")
        assert text == redact(originals[(user, day)]).text
        assert token not in text and creds not in text
    committed = set(repo.head_files())
    assert {str(p.relative_to(repo.path)) for p in repo.archive()} <= committed
    assert "redacted" in out.stdout + out.stderr
    repo.sl("check")  # the committed views equal a rebuild from the archive
    folded = context_store.load(repo.state())
    assert folded is not None and "src/pay.py" in folded["paths"] and "app.py" in folded["paths"]
    repo.sl("context", "--rebuild-index")
    assert context_store.load(repo.state()) == folded


def _loose(repo: Repo, blob: str) -> bool:
    return (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).is_file()


def _staged_blobs(repo: Repo, prefix: str) -> dict[str, str]:
    out = repo.git("ls-files", "-s", "--", prefix).stdout
    return {line.split("\t", 1)[1]: line.split()[1] for line in out.splitlines()}


def test_a_backlog_stages_its_files_into_one_pack_and_a_few_files_stay_loose(
        native_repo: Repo) -> None:
    """Many files to stage (a first consolidation): git writes their objects into one pack, not
    a loose object file each; the commit holds every file as it is on disk, and git finds
    nothing wrong with the repository. A commit with a few files keeps them loose (no pack a
    commit), and so do a backlog's few views: its archive files are staged while the views
    are rendered, and the views are added on their own once written."""
    from datetime import date, datetime, timedelta, timezone

    from sessionlog_git import gitops
    from sessionlog_git.logs import layout
    from sessionlog_git.logs.entries import entry_from_parts, file_header, format_entry

    repo = native_repo
    repo.log("2026-06-01T09:00:00+02:00", "Set up", "Decision: one project folder")
    project = repo.pending()[0].parent.parent.name
    repo.pending()[0].unlink()
    zone = timezone(timedelta(hours=2))
    # Fewer files per contributor than make one of our packs (consolidate.PACK_FROM): loose.
    for user in ("ada", "grace", "linus", "ken", "edsger", "barbara"):
        for d in range(6):
            day = date(2026, 6, 1) + timedelta(days=d)
            at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone)
            entry = entry_from_parts("09:00", f"Report cache {d}", [f"Decision: cache {user}'s day {d}"],
                                     {"at": at.isoformat()})
            path = layout.pending_file(repo.state() / "pending", project, user, day)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join([*file_header(project, user, day, "Europe/Berlin", "+02:00"), "",
                                       *format_entry(entry), ""]), encoding="utf-8")
    packs_before = set((repo.path / ".git" / "objects" / "pack").glob("*.pack"))
    repo.git("commit", "-q", "--allow-empty", "-m", "Backlog")
    assert repo.pending() == [] and repo.porcelain() == []
    staged = _staged_blobs(repo, "logs")
    assert len(staged) >= 36 + 2 >= gitops.PACK_FROM  # the archive files and the two views
    archived = {rel: blob for rel, blob in staged.items() if "/archive/" in rel}
    assert len(archived) == 36
    assert not any(_loose(repo, blob) for blob in archived.values())
    assert all(_loose(repo, blob) for rel, blob in staged.items() if rel not in archived)
    assert len(set((repo.path / ".git" / "objects" / "pack").glob("*.pack")) - packs_before) == 1
    for rel in staged:
        assert repo.git("show", f"HEAD:{rel}").stdout == (repo.path / rel).read_text(encoding="utf-8")
    assert repo.git("fsck", "--strict").returncode == 0

    repo.log("2026-06-12T09:00:00+02:00", "One more day", "Decision: keep it", user="ada")
    repo.git("commit", "-q", "--allow-empty", "-m", "An ordinary commit")
    new = {rel: blob for rel, blob in _staged_blobs(repo, "logs").items() if staged.get(rel) != blob}
    assert 1 <= len(new) < gitops.PACK_FROM
    assert all(_loose(repo, blob) for blob in new.values())


def _first_packed_level(folder: Path) -> int:
    """The zlib level class (FLEVEL: 0 fastest, 2 default, 3 best) of the first object of the
    one pack in `folder`: the second byte of its zlib stream, after the pack's 12-byte header
    and the object's type-and-size header."""
    (pack,) = folder.glob("*.pack")
    data = pack.read_bytes()
    at = 12
    while data[at] & 0x80:  # the size goes on in the next byte
        at += 1
    assert data[at + 1] & 0x0F == 8  # a zlib stream: deflate
    return data[at + 2] >> 6


@pytest.mark.parametrize("setting", [None, "pack.compression=9", "core.compression=9"])
def test_a_backlog_pack_is_compressed_as_loose_objects_unless_the_user_chose_a_level(
        tmp_path: Path, setting: str | None) -> None:
    """A backlog's pack holds what would have been loose objects: zlib's fastest level, git's
    own default for those (`core.looseCompression`). A level the user set for packs, or for
    everything, is kept. Either way git reads every file back and finds nothing wrong."""
    import subprocess

    from sessionlog_git import gitops

    top = tmp_path / "repo"
    top.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=top, check=True, capture_output=True,
                              text=True).stdout

    git("init", "-q")
    if setting is not None:
        git("config", *setting.split("="))
    paths = []
    for i in range(gitops.PACK_FROM + 8):
        rel = f"logs/archive/2026-06/p/u{i % 4}/2026-06-{i % 28 + 1:02d}-{i:04x}.md"
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_text("".join(f"## 09:{m:02d} - Entry {i}.{m}\n- Decision: keep {m}\n\n"
                                       for m in range(40)), encoding="utf-8")
        paths.append(rel)
    gitops.stage(top, paths)
    assert _first_packed_level(top / ".git" / "objects" / "pack") == (0 if setting is None else 3)
    for rel in paths:
        assert git("show", f":{rel}") == (top / rel).read_text(encoding="utf-8")
    git("fsck", "--strict")
