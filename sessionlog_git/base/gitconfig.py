"""Read a few git config values without running git. Standard library only.

The agent hooks run on every prompt and may not start a `git` process, yet must name the same
user as `sessionlog log` (which asks `git config`). This reads the files git reads, in git's
order (system, global, local; the last value wins): `$GIT_CONFIG_SYSTEM` or `/etc/gitconfig`
(skipped with `GIT_CONFIG_NOSYSTEM`), `$GIT_CONFIG_GLOBAL` or `$XDG_CONFIG_HOME/git/config`
and `~/.gitconfig`, the repository's `config`, then `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_<n>`
pairs. `include.path` and `includeIf "gitdir:..."` are followed; other conditions are not.
"""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path

MAX_INCLUDE_DEPTH = 10


def git_dir(top: Path) -> Path:
    """The repository's git folder; for a linked worktree, its common folder (no git call)."""
    dot = top / ".git"
    if dot.is_file():
        try:
            text = dot.read_text(encoding="utf-8").strip()
        except OSError:
            return dot
        if text.startswith("gitdir:"):
            gd = Path(text[len("gitdir:") :].strip())
            gd = gd if gd.is_absolute() else (top / gd)
            try:
                common = (gd / "commondir").read_text(encoding="utf-8").strip()
            except OSError:
                return gd
            cd = Path(common)
            return cd if cd.is_absolute() else (gd / cd)
    return dot


def main_folder_name(top: str | os.PathLike[str]) -> str:
    """The main work tree's folder name, also from a linked worktree (no git call).

    The default project name: a linked worktree of `shop` is still project `shop`.
    """
    top = os.fspath(top)
    name = os.path.basename(os.path.normpath(top))
    dot_git = os.path.join(top, ".git")
    if os.path.isfile(dot_git):
        common = os.path.normpath(str(git_dir(Path(top))))
        if os.path.basename(common) == ".git":
            return os.path.basename(os.path.dirname(common)) or name
    return name


def _unquote(raw: str) -> str:
    """A value as git reads it: quotes removed, escapes applied, comments cut."""
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and i + 1 < len(raw):
            i += 1
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(raw[i], raw[i]))
        elif ch in "#;" and not quoted:
            break
        else:
            out.append(ch)
        i += 1
    return "".join(out).strip()


def _section(header: str) -> str:
    """'[user]' -> 'user'; '[includeIf "gitdir:~/w/"]' -> 'includeif.gitdir:~/w/'."""
    inner = header.strip()[1:].split("]", 1)[0].strip()
    if '"' in inner:
        name, _, sub = inner.partition('"')
        sub = sub.rsplit('"', 1)[0].replace('\\"', '"').replace("\\\\", "\\")
        return f"{name.strip().lower()}.{sub}"
    name, dot, sub = inner.partition(".")
    return f"{name.lower()}.{sub.lower()}" if dot else inner.lower()


def _gitdir_matches(pattern: str, gitdir: Path, base: Path, *, icase: bool) -> bool:
    if pattern.startswith("~/"):
        pattern = str(Path.home()) + pattern[1:]
    elif pattern.startswith("./"):
        pattern = str(base) + pattern[1:]
    elif not pattern.startswith("/"):
        pattern = "**/" + pattern
    if pattern.endswith("/"):
        pattern += "**"
    target = str(gitdir.resolve()) + "/"
    pattern = pattern.replace("**/", "*").replace("**", "*")
    if icase:
        return fnmatch.fnmatch(target.lower(), pattern.lower()) or fnmatch.fnmatch(
            target.lower().rstrip("/"), pattern.lower()
        )
    return fnmatch.fnmatchcase(target, pattern) or fnmatch.fnmatchcase(target.rstrip("/"), pattern)


def _read(path: Path, gitdir: Path, values: dict[str, str], depth: int = 0,
          seen: list[str] | None = None) -> None:
    if seen is not None:
        seen.append(str(path))
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    section = ""
    pending = ""
    for raw_line in text.splitlines():
        line = pending + raw_line
        pending = ""
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending = line[:-1]
            continue
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if stripped.startswith("["):
            section = _section(stripped)
            rest = stripped.split("]", 1)[1].strip() if "]" in stripped else ""
            if not rest or rest[0] in "#;":
                continue
            stripped = rest
        key, eq, value = stripped.partition("=")
        name = key.strip().lower()
        value = _unquote(value) if eq else "true"
        full = f"{section}.{name}" if section else name
        if full == "include.path" and depth < MAX_INCLUDE_DEPTH:
            _read(_resolve(value, path), gitdir, values, depth + 1, seen)
            continue
        if full.startswith("includeif.") and full.endswith(".path") and depth < MAX_INCLUDE_DEPTH:
            condition = full[len("includeif.") : -len(".path")]
            kind, _, pattern = condition.partition(":")
            if kind in ("gitdir", "gitdir/i") and _gitdir_matches(
                pattern, gitdir, path.parent, icase=kind == "gitdir/i"
            ):
                _read(_resolve(value, path), gitdir, values, depth + 1, seen)
            continue
        values[full] = value


def _resolve(value: str, including: Path) -> Path:
    if value.startswith("~/"):
        return Path.home() / value[2:]
    target = Path(value)
    return target if target.is_absolute() else including.parent / target


def config_files(top: Path) -> list[Path]:
    env = os.environ
    files: list[Path] = []
    if not env.get("GIT_CONFIG_NOSYSTEM"):
        files.append(Path(env.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig"))
    if env.get("GIT_CONFIG_GLOBAL"):
        files.append(Path(env["GIT_CONFIG_GLOBAL"]))
    else:
        xdg = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        files.append(Path(xdg) / "git" / "config")
        files.append(Path.home() / ".gitconfig")
    files.append(git_dir(top) / "config")
    return files


def values(top: Path, *keys: str, seen: list[str] | None = None) -> dict[str, str]:
    """The values of `keys` (e.g. 'user.name') as git would resolve them; missing keys absent.
    `seen` gets the path of every file read or tried (includes too), for a cache's check."""
    found: dict[str, str] = {}
    gd = git_dir(top)
    for path in config_files(top):
        _read(path, gd, found, seen=seen)
    try:
        count = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
    except ValueError:
        count = 0
    for i in range(count):
        key = os.environ.get(f"GIT_CONFIG_KEY_{i}", "")
        if key:
            section, _, name = key.rpartition(".")
            found[f"{section.lower()}.{name.lower()}"] = os.environ.get(f"GIT_CONFIG_VALUE_{i}", "")
    wanted = {k.lower() for k in keys}
    return {k: v for k, v in found.items() if k in wanted}
