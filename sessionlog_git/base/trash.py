"""The state folder's `trimmed/`: files moved aside on their way out, removed after the run.

Where the file system discards the blocks a removal frees (a mount with `discard`, as the
benchmark's machine class has), each removal waits on the device, some 60 µs a file: a
backlog's 250 temp logs cost its run 15-25 ms at the end. Moved into one folder here (a rename
each, about 4 µs), they are removed by `rm -rf` after the run, in a process that is not its
child and holds none of its files. The caller holds the state folder's lock while it fills a
folder and hands them over (`empty`), so no other run is filling one then; `empty` also
removes what a run killed before its own removal left. Standard library only.
"""
from __future__ import annotations

import os

TRASH_DIR = "trimmed"


def folder(state: str | os.PathLike[str], near: str | os.PathLike[str]) -> str | None:
    """A new, empty folder in `state`'s `trimmed/` to move files from `near` into; None where
    it cannot be made, or lies on another file system than `near` (a rename there would be a
    copy): then the caller removes them in place."""
    import time

    made = os.path.join(state, TRASH_DIR, f"{os.getpid()}-{time.time_ns()}")
    try:
        os.makedirs(made)
        if os.stat(made).st_dev != os.stat(near).st_dev:
            os.rmdir(made)
            return None
    except OSError:
        return None
    return made


def empty(state: str | os.PathLike[str]) -> None:
    """Remove every folder of `state`'s `trimmed/`, after the run (`remove_later`), or now
    where no removal can be started. Where there is none: one listing."""
    root = os.path.join(state, TRASH_DIR)
    try:
        folders = [os.path.join(root, name) for name in sorted(os.listdir(root))]
    except OSError:
        return
    if folders and not remove_later(folders):
        import shutil

        for one in folders:
            shutil.rmtree(one, ignore_errors=True)


def remove_later(folders: list[str]) -> bool:
    """Start removing `folders` (and all they hold) in a process that outlives this one and
    is not its child: `rm -rf` put in the background by a shell this waits for (a millisecond
    or so), in a session of its own, with no terminal and none of this process's files (so
    a caller that reads our output to its end, as git and the pre-commit framework do, does
    not wait for it). False where that cannot be started (no `sh` or no `rm`: then the
    caller removes them itself)."""
    if not folders:
        return True
    if os.name != "posix":
        return False
    import shutil
    import subprocess

    rm = shutil.which("rm")  # by the run's own PATH (a hook's may be bare)
    if rm is None:
        return False
    try:
        shell = subprocess.run(
            ["/bin/sh", "-c", '"$0" -rf -- "$@" &', rm, *folders], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
            start_new_session=True, check=False)
    except OSError:
        return False
    return shell.returncode == 0
