"""Closed months packed: one pack file per contributor and month, read as the archive files
it holds (byte-exact, same names and lines), written by commits and `consolidate --pack`,
merged without conflicts, checked, and safe against a kill at any step."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import PYTHON, Repo, clone_teammate, founder_with_remote

from sessionlog_git.logs import layout, packs
from sessionlog_git.pipeline import packing

NOW = "2026-11-27T12:00:00+01:00"  # the commits' clock: 2026-10 and 2026-11 stay loose
RAW = re.compile(r"\[raw\]\((archive/[^)]+)\)")

REBUILD = (
    "import json, pathlib; from sessionlog_git import workspace; "
    "from sessionlog_git.pipeline import consolidate; "
    "print(json.dumps(consolidate.rebuild(workspace.at(pathlib.Path.cwd()))))"
)


def odd_files() -> dict[str, bytes]:
    return {
        "2026-01-05-0a1b2c3d4e.md": b"# no final newline\n- Decision: x",
        "2026-01-06-1111111111.md": b"## 09:00 - crlf\r\n- Tried: y\r\n",
        "2026-01-07-2222222222.md": (b"<!-- file 2026-01-08-3333333333.md 5 -->\n"
                                     + packs.MAGIC + b"looks like headers\n\n\n"),
        "2026-01-08-3333333333.md": b"",
        "2026-01-09-4444444444.md": "caf\u00e9 \u2014 \U0001f600\n".encode(),
    }


def test_pack_round_trip_is_byte_exact_whatever_the_content() -> None:
    files = odd_files()
    data = packs.encode(reversed(list(files.items())))  # input order does not matter
    assert data == packs.encode(files.items())
    assert packs.unpack(data) == files
    assert [name for name, _, _ in packs.index(data)] == sorted(files)
    assert packs.is_pack_name(packs.pack_name(data))
    assert layout.day_in_name(packs.pack_name(data), archive=True) is None  # never an archive name
    data.decode("utf-8")  # readable as text (Markdown, headers as comments)


def test_a_damaged_pack_says_where() -> None:
    data = packs.encode(odd_files().items())
    with pytest.raises(packs.PackError) as cut:
        packs.index(data[:-3])
    assert "expected the header of 2026-01-09-4444444444.md" in str(cut.value)
    with pytest.raises(packs.PackError) as extra:
        packs.index(data + b"more\n")
    assert "bytes after the last file" in str(extra.value)
    lines = data.split(b"\n")
    assert lines[10].startswith(b"<!-- file 2026-01-06-")  # after 7 lines of head, 3 of file 1
    lines[10] = b"<!-- file not-a-name.md 12 -->"
    with pytest.raises(packs.PackError) as bad:
        packs.index(b"\n".join(lines))
    assert bad.value.line == 11
    assert [n for n, _, _ in packs.scan(b"\n".join(lines))[0]] == ["2026-01-05-0a1b2c3d4e.md"]
    index_line = lines[:]
    index_line[3] = b"<!-- index 2026-01-06-1111111111.md x -->"
    with pytest.raises(packs.PackError) as head:
        packs.index(b"\n".join(index_line))
    assert head.value.line == 4 and "index line" in head.value.message
    # Listing reads the index only; a file is read only where its own header frames it.
    end = data.index(b"<!-- end of index -->\n") + len(b"<!-- end of index -->\n")
    assert packs.head(data[:end - 1])[2] is False  # the index goes on: more must be read
    listed, error, complete = packs.head(data[:end])
    assert complete and error is None and listed == packs.index(data)
    with pytest.raises(packs.PackError) as magic:
        packs.index(b"# not a pack\n")
    assert magic.value.line == 1


def test_walk_yields_packed_files_once_as_the_files_they_were(tmp_path: Path) -> None:
    folder = tmp_path / "archive" / "2026-01" / "shop" / "ada"
    folder.mkdir(parents=True)
    files = odd_files()
    names = sorted(files)
    (folder / names[0]).write_bytes(files[names[0]])  # also loose: counted once
    one = packs.encode((n, files[n]) for n in names[:3])
    two = packs.encode((n, files[n]) for n in names[2:])  # overlaps the first pack
    (folder / packs.pack_name(one)).write_bytes(one)
    (folder / packs.pack_name(two)).write_bytes(two)
    found = layout.walk(tmp_path / "archive", archive=True)
    assert [f.name for f in found] == names
    assert {f.name: layout.read_log(f) for f in found} == files
    assert found[0].pack is None and all(f.pack for f in found[1:])
    assert all(f.path == str(folder / f.name) for f in found)  # logical paths
    assert layout.read_archive_path(folder / names[4]) == files[names[4]]
    assert [f.name for f in layout.walk(tmp_path / "archive", archive=True, limit=2)] == names[:2]
    merged = packs.logical_files({f"a/{packs.pack_name(one)}": one, f"a/{packs.pack_name(two)}": two})
    assert merged == {f"a/{n}": files[n] for n in names}


# --- in a repository --------------------------------------------------------------------------


def log_months(repo: Repo, months: list[str], user: str | None = None, per: int = 2) -> None:
    for month in months:
        for day in range(per):
            repo.log(f"{month}-1{day}T09:0{day}:00+01:00", f"Work of {month} day {day} by {user or 'ada'}",
                     f"Decision: keep {month}/{day} {user or 'ada'}", f"Blocker: waiting {month}",
                     user=user)


def commit(repo: Repo, message: str, now: str = NOW, **kw: object) -> str:
    """A commit of some work (the hook consolidates, and packs), at the clock `now`."""
    work = f"work-{repo.path.parent.name}.txt"  # one per clone: merges of work never conflict
    repo.append(work, f"{message}\n")
    repo.git("add", work)
    out = repo.git("commit", "-q", "-m", message, env={"SESSIONLOG_NOW": now}, **kw)
    return out.stdout + out.stderr


def archive_titles(top: Path) -> list[str]:
    """Every entry title of the archive (logical files, packs read), with repeats."""
    titles = []
    for found in layout.walk(top / "logs" / "archive", archive=True):
        titles += [line.split(" - ", 1)[1] for line in layout.read_log(found).decode().splitlines()
                   if line.startswith("## ") and " - " in line]
    return sorted(titles)


def files_in_archive(repo: Repo) -> list[str]:
    return sorted(p.relative_to(repo.path).as_posix()
                  for p in (repo.path / "logs" / "archive").rglob("*") if p.is_file())


def assert_links_resolve(repo: Repo) -> None:
    tracked = set(repo.git("ls-files", "logs").stdout.split())
    links = 0
    for rel in tracked:
        if rel.startswith("logs/archive/"):
            continue
        for link in RAW.findall(repo.read(rel)):
            links += 1
            assert f"logs/{link}" in tracked, f"{rel} links {link}, which is not a tracked file"
    assert links


def assert_fresh(repo: Repo) -> None:
    expected: dict[str, str] = json.loads(repo.run(PYTHON, "-c", REBUILD).stdout)
    for rel, text in expected.items():
        assert repo.read(rel) == text, rel
    check = repo.sl("check")
    assert check.returncode == 0, check.stdout
    assert "every pack reads" in check.stdout


def test_a_commit_packs_one_closed_month_and_keeps_every_link(native_repo: Repo) -> None:
    repo = native_repo
    log_months(repo, ["2026-06", "2026-07"])
    log_months(repo, ["2026-07"], user="grace")
    commit(repo, "History", now="2026-07-20T12:00:00+01:00")  # both months still open then
    before = archive_titles(repo.path)
    ids_before = repo.sl("search", "keep", "--json").stdout
    assert len(before) == 6 and not any("pack-" in f for f in files_in_archive(repo))

    log_months(repo, ["2026-11"])
    out = commit(repo, "Today's work")
    assert "packed 2026-06: 2 archive files into 1 pack" in out
    stat = repo.git("show", "--stat", "--format=", "HEAD").stdout
    assert re.search(r"logs/archive/2026-06/shop/ada/pack-[0-9a-f]{10}\.md", stat)
    assert "2026-06/shop/ada/2026-06-10-" in repo.git("show", "--name-status", "--format=",
                                                        "HEAD").stdout.replace("D\t", "")
    assert repo.porcelain() == []
    folder = repo.path / "logs" / "archive" / "2026-06" / "shop" / "ada"
    assert [p.name[:5] for p in folder.iterdir()] == ["pack-"]
    assert archive_titles(repo.path) == sorted([*before, "Work of 2026-11 day 0 by ada",
                                                "Work of 2026-11 day 1 by ada"])
    master = repo.read("logs/shop-session-log-2026-06.md")
    assert "/pack-" in master and "2026-06-10-" not in master
    assert_links_resolve(repo)
    assert_fresh(repo)

    # The next commit packs the next closed month (one per commit), nothing else.
    log_months(repo, ["2026-11"], user="grace", per=1)
    out = commit(repo, "More work")
    assert "packed 2026-07: 4 archive files into 2 packs" in out
    assert_links_resolve(repo)
    assert_fresh(repo)
    # Ids (source#line) and sources did not move: search gives the same hits as before.
    assert repo.sl("search", "keep 2026-06", "--json").stdout.count("2026-06-10-") >= 1
    assert json.loads(ids_before)  # the same search worked before packing
    assert (repo.state() / packing.STATE_NAME).is_file()  # until git has the packs committed
    log_months(repo, ["2026-11"], user="linus", per=1)
    assert "packed" not in commit(repo, "Nothing closed left to pack")
    assert not (repo.state() / packing.STATE_NAME).exists()  # committed: forgotten

    # A late entry of a packed month: archived loose beside the pack (linked as such), and
    # packed into one pack with the others by a later commit, once it is committed.
    repo.log("2026-06-29T18:00:00+01:00", "Late June note", "Decision: late", user="ada")
    out = commit(repo, "Late note")
    assert "packed" not in out
    assert "2026-06/shop/ada/2026-06-29-" in repo.read("logs/shop-session-log-2026-06.md")
    assert_links_resolve(repo)
    assert_fresh(repo)
    log_months(repo, ["2026-11"], user="linus", per=1)
    assert "packed 2026-06: 3 archive files into 1 pack" in commit(repo, "Repack June")
    assert [p.name[:5] for p in folder.iterdir()] == ["pack-"]
    assert archive_titles(repo.path).count("Late June note") == 1
    assert_links_resolve(repo)
    assert_fresh(repo)


def test_consolidate_pack_migrates_an_archive_at_once(native_repo: Repo) -> None:
    repo = native_repo
    months = ["2026-03", "2026-04", "2026-05", "2026-10"]
    log_months(repo, months)
    log_months(repo, months[:2], user="grace")
    commit(repo, "History", now="2026-03-30T12:00:00+01:00")
    before = archive_titles(repo.path)
    assert len(files_in_archive(repo)) == 12

    dry = repo.sl("consolidate", "--pack", "--dry-run", env={"SESSIONLOG_NOW": NOW})
    assert "would pack 3 closed months: 2026-03, 2026-04, 2026-05" in dry.stdout
    assert len(files_in_archive(repo)) == 12
    out = repo.sl("consolidate", "--pack", env={"SESSIONLOG_NOW": NOW}).stdout
    assert "packed 2026-03: 4 archive files into 2 packs" in out
    assert "packed 2026-05: 2 archive files into 1 pack" in out
    staged = repo.git("diff", "--cached", "--name-status").stdout
    assert staged.count("\nA\t") + staged.startswith("A\t") == 5  # packs
    assert staged.count("D\t") == 10  # the loose files they replace
    commit(repo, "Pack closed months")
    assert repo.porcelain() == []
    assert len(files_in_archive(repo)) == 5 + 2  # five packs, 2026-10 stays loose
    assert archive_titles(repo.path) == before
    assert_links_resolve(repo)
    assert_fresh(repo)
    again = repo.sl("consolidate", "--pack", env={"SESSIONLOG_NOW": NOW}).stdout
    assert "every closed month is packed already" in again


def test_check_names_a_damaged_pack_with_its_line_and_a_fix(native_repo: Repo) -> None:
    repo = native_repo
    log_months(repo, ["2026-02"])
    commit(repo, "History", now="2026-02-20T12:00:00+01:00")
    repo.sl("consolidate", "--pack", env={"SESSIONLOG_NOW": NOW})
    commit(repo, "Pack")
    (pack,) = (repo.path / "logs" / "archive" / "2026-02" / "shop" / "ada").glob("pack-*.md")
    data = pack.read_bytes()
    pack.write_bytes(data.replace(b"<!-- file 2026-02-11", b"<!-- fil 2026-02-11"))
    check = repo.sl("check", check=False)
    assert check.returncode == 1
    rel = pack.relative_to(repo.path).as_posix()
    assert re.search(rf"{re.escape(rel)}:\d+: expected the header of 2026-02-11-", check.stdout), check.stdout
    assert f"Fix: restore it from git (`git checkout HEAD -- {rel}`)" in check.stdout
    # Packing never folds a damaged pack into a new one (what follows the damage would go).
    late = pack.parent / "2026-02-27-0123456789.md"
    late.write_text("## 09:00 - Late\n", encoding="utf-8")
    repo.git("add", str(late))
    repo.git("commit", "-q", "--no-verify", "-m", "A late file", "--", str(late))
    again = repo.sl("consolidate", "--pack", env={"SESSIONLOG_NOW": NOW}).stdout
    assert f"warning: not packed: {rel}: a damaged pack: line" in again
    assert sorted(p.name for p in pack.parent.iterdir()) == [late.name, pack.name]
    repo.git("checkout", "HEAD", "--", rel)
    assert "packed 2026-02: 3 archive files into 1 pack" in repo.sl(
        "consolidate", "--pack", env={"SESSIONLOG_NOW": NOW}).stdout
    repo.sl("check", "--fix")  # the late file came in by hand (--no-verify): views re-rendered
    commit(repo, "Packed again")
    assert repo.porcelain() == []
    assert_links_resolve(repo)
    assert_fresh(repo)


@pytest.mark.parametrize("step", packing.STEPS)
def test_a_kill_at_any_step_of_packing_loses_and_doubles_nothing(native_repo: Repo, step: str) -> None:
    repo = native_repo
    log_months(repo, ["2026-04"])
    log_months(repo, ["2026-04"], user="grace")
    commit(repo, "History", now="2026-04-20T12:00:00+01:00")
    before = archive_titles(repo.path)
    killed = repo.sl("consolidate", "--pack", env={"SESSIONLOG_NOW": NOW, "SESSIONLOG_FAULT": step},
                     check=False)
    assert killed.returncode == 97, killed.stderr
    assert archive_titles(repo.path) == before  # a loose file and its pack count once
    repo.sl("consolidate", "--pack", env={"SESSIONLOG_NOW": NOW})
    commit(repo, "Pack")
    assert repo.porcelain() == []
    assert archive_titles(repo.path) == before
    assert [p.name[:5] for p in (repo.path / "logs/archive/2026-04/shop").glob("*/*")] == ["pack-"] * 2
    assert_links_resolve(repo)
    assert_fresh(repo)


# --- a team: two clones, a bare remote ----------------------------------------------------------


def team(tmp_path: Path) -> tuple[Repo, Repo]:
    alice, remote = founder_with_remote(tmp_path, "alice", "Alice")
    log_months(alice, ["2026-05"], user="alice")
    log_months(alice, ["2026-05"], user="carol")
    commit(alice, "May", now="2026-05-25T12:00:00+01:00")
    alice.git("push", "-q", "-u", "origin", "main")
    return alice, clone_teammate(tmp_path, remote, "bob")


def test_two_clones_that_both_pack_merge_without_conflict(tmp_path: Path) -> None:
    alice, bob = team(tmp_path)
    before = archive_titles(alice.path)
    # Alice packs by a commit; Bob packs 2026-05 too, after adding a late file to it.
    log_months(alice, ["2026-11"], user="alice", per=1)
    assert "packed 2026-05" in commit(alice, "Alice today")
    alice.git("push", "-q")
    bob.log("2026-05-30T18:00:00+01:00", "Late entry of May by bob", "Decision: late",
            user="bob")
    commit(bob, "Bob's late May", now="2026-05-30T19:00:00+01:00")
    log_months(bob, ["2026-11"], user="bob", per=1)
    assert "packed 2026-05" in commit(bob, "Bob today")
    pulled = bob.git("pull", "-q", "--no-rebase", "--no-edit", env={"SESSIONLOG_NOW": NOW},
                     check=False)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert not any(line.startswith(("UU", "AA", "DU", "UD")) for line in bob.porcelain())
    expected = sorted([*before, "Late entry of May by bob", "Work of 2026-11 day 0 by alice",
                       "Work of 2026-11 day 0 by bob"])
    assert archive_titles(bob.path) == expected  # nothing lost, nothing doubled
    # Alice's carol/alice packs and Bob's equal ones: the same names, one file each.
    assert len(list((bob.path / "logs/archive/2026-05/shop/carol").iterdir())) == 1
    assert_links_resolve(bob)
    assert_fresh(bob)
    bob.git("push", "-q")
    alice.git("pull", "-q", "--no-rebase", "--no-edit")
    assert archive_titles(alice.path) == expected
    assert_fresh(alice)


def test_a_late_file_merged_into_a_packed_month_is_packed_by_the_next_commit(tmp_path: Path) -> None:
    alice, bob = team(tmp_path)
    # Bob adds a late loose file to 2026-05 (his clock still in May) while Alice packs it.
    bob.log("2026-05-30T18:00:00+01:00", "Late entry by carol", "Blocker: late", user="carol")
    commit(bob, "Late", now="2026-05-30T19:00:00+01:00")
    bob.git("push", "-q")
    log_months(alice, ["2026-11"], user="alice", per=1)
    assert "packed 2026-05" in commit(alice, "Alice today")
    merged = alice.git("pull", "-q", "--no-rebase", "--no-edit", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    carol = alice.path / "logs/archive/2026-05/shop/carol"
    assert sorted(p.name[:5] for p in carol.iterdir()) == ["2026-", "pack-"]  # pack + late file
    titles = archive_titles(alice.path)
    assert titles.count("Late entry by carol") == 1 and len(titles) == 6
    assert_links_resolve(alice)
    assert_fresh(alice)
    log_months(alice, ["2026-11"], user="alice", per=1)
    assert "packed 2026-05: 3 archive files into 1 pack" in commit(alice, "Next")
    assert [p.name[:5] for p in carol.iterdir()] == ["pack-"]
    assert archive_titles(alice.path).count("Late entry by carol") == 1
    assert_links_resolve(alice)
    assert_fresh(alice)


@pytest.mark.parametrize("only", [False, True], ids=["commit", "commit-only-paths"])
def test_packing_lands_in_the_commit_with_either_hook_and_either_commit_mode(
        hooked_repo: Repo, only: bool) -> None:
    """Through the pre-commit framework and the native hook, `git commit` and `git commit
    <paths>` (git's temporary index): the commit holds the pack and not the loose files, and
    `git status` is clean afterwards."""
    repo = hooked_repo
    log_months(repo, ["2026-03"])
    commit(repo, "History", now="2026-03-20T12:00:00+01:00")
    log_months(repo, ["2026-11"], per=1)
    repo.append("app.py", "# more\n")
    args = ["commit", "-q", "-m", "Work", *(["--", "app.py"] if only else ["-a"])]
    repo.git(*args, env={"SESSIONLOG_NOW": NOW})  # the framework shows no output of a passing hook
    names = repo.git("show", "--name-status", "--format=", "HEAD").stdout.splitlines()
    assert any(n.startswith("A\t") and "2026-03/shop/ada/pack-" in n for n in names), names
    assert sum(n.startswith("D\t") and "2026-03/shop/ada/2026-03-1" in n for n in names) == 2, names
    assert repo.porcelain() == []
    assert_links_resolve(repo)
    assert_fresh(repo)


def test_the_walker_reads_a_pack_without_importing_re(tmp_path: Path) -> None:
    """The per-prompt hook walks archive months (newest first, until the user's last entry):
    a packed month costs it no `re`, as a loose one does not."""
    folder = tmp_path / "archive" / "2026-01" / "shop" / "ada"
    folder.mkdir(parents=True)
    data = packs.encode(odd_files().items())
    (folder / packs.pack_name(data)).write_bytes(data)
    code = ("import sys; from sessionlog_git.logs import layout; "
            f"found = layout.walk({str(tmp_path / 'archive')!r}, archive=True, months=('2026-01',)); "
            "assert [layout.read_log(f) for f in found]; print(len(found), 're' in sys.modules)")
    out = Repo(tmp_path).run(PYTHON, "-S", "-c", code, env={"PYTHONPATH": str(Path(__file__).parent.parent)})
    assert out.stdout.split() == ["5", "False"]


def test_pr_summary_and_reports_across_repositories_read_packed_history(native_repo: Repo) -> None:
    """Readers of git trees (a pull request's summary, `report --repo`) see a pack's files as
    the archive files they were: the pull request's entry is summarised with the history
    behind it, the packing commit itself adds no entry, and a report over the committed tree
    counts the packed entry as the work tree's report does."""
    repo = native_repo
    repo.log("2026-03-10T09:00:00+01:00", "Gateway work", "Blocker: gateway sandbox credentials")
    commit(repo, "March", now="2026-03-20T12:00:00+01:00")
    repo.sl("consolidate", "--pack", env={"SESSIONLOG_NOW": NOW})
    commit(repo, "Pack")
    assert list((repo.path / "logs/archive/2026-03/shop/ada").glob("pack-*.md"))
    repo.git("checkout", "-q", "-b", "feature")
    repo.log("2026-11-26T09:00:00+01:00", "Gateway done", "Unblocked: gateway sandbox credentials")
    commit(repo, "Feature")
    summary = repo.sl("pr-summary", "--base", "main").stdout
    assert "Gateway done" in summary and "Gateway work" not in summary.split("Gateway done")[0]
    assert "gateway sandbox credentials" in summary
    packing_only = repo.sl("pr-summary", "--base", "main~1", "--head", "main").stdout
    assert "No session log entries" in packing_only
    local = json.loads(repo.sl("report", "blockers", "--json", env={"SESSIONLOG_NOW": NOW}).stdout)
    tree = json.loads(repo.sl("report", "blockers", "--repo", str(repo.path), "--json",
                              env={"SESSIONLOG_NOW": NOW}).stdout)
    assert local["source"] == "2 archived entries under logs/archive"
    assert tree["source"] == "2 committed archived entries in 1 repositories: shop (HEAD)"


def test_a_clone_with_autocrlf_reads_the_archive_and_packs_byte_for_byte(tmp_path: Path) -> None:
    """`core.autocrlf=true` (Windows' default) rewrites text files' line endings on checkout;
    init's `-text` attribute keeps it off the archive, so the verbatim record and the packs,
    framed by byte lengths, read back as committed, and the clone commits on top of them."""
    alice, _ = team(tmp_path)
    log_months(alice, ["2026-11"], user="alice", per=1)
    assert "packed 2026-05" in commit(alice, "Alice today")
    alice.git("push", "-q")
    assert "logs/** -text" in alice.read(".gitattributes")
    dana = clone_teammate(tmp_path, tmp_path / "remote.git", "dana", ("core.autocrlf=true",))
    assert b"\r\n" in (dana.path / "work-alice.txt").read_bytes()  # the user's files: converted
    for rel in alice.git("ls-files", "logs").stdout.split():
        assert (dana.path / rel).read_bytes() == (alice.path / rel).read_bytes(), rel
    assert archive_titles(dana.path) == archive_titles(alice.path)
    check = dana.sl("check")
    assert check.returncode == 0 and "every pack reads" in check.stdout, check.stdout
    log_months(dana, ["2026-11"], user="dana", per=1)
    commit(dana, "Dana today")
    assert "Work of 2026-11 day 0 by dana" in archive_titles(dana.path)
    assert dana.sl("check").returncode == 0
