"""The native git hooks' entry, without runpy: what `.git/hooks/*` run (`sessionlog init`).

    python -c 'import sessionlog_git.gitentry as g; g.main()' sessionlog_git git-hook HOOK ...

does what `python -m sessionlog_git git-hook HOOK ...` does: `-m` loads runpy, importlib.util
and contextlib before our first line, a few milliseconds on every commit. An idle pre-commit
is answered by `pipeline.idle.nothing_to_do` (a few stat calls) before anything else loads;
everything else goes to the full command line. The words after the code are those `-m` got.

A hook that did its work leaves without the interpreter's teardown (`base.leave`): freeing, one
by one, the objects of jinja2's and our modules and of the status fold (the collector's last
pass over them too) is a few milliseconds of every commit that changes nothing on disk.
"""
from __future__ import annotations

import sys

from sessionlog_git.pipeline.idle import nothing_to_do


def main() -> None:
    words = sys.argv[1:]
    if words[:1] == ["sessionlog_git"]:
        words = words[1:]
    if words == ["git-hook", "pre-commit"] and nothing_to_do("."):
        raise SystemExit(0)
    if words[:1] == ["git-hook"]:
        # A short process whose imports (jinja2's among them) make a hundred thousand objects
        # that live until it exits, and whose work makes no cycles (reference counting frees
        # it, as the full rebuild's paused collector relies on): the cyclic collector's passes
        # over them were about 3% of a commit's instructions. It exits when the hook is done.
        import gc

        gc.disable()
    sys.argv = ["sessionlog", *words]
    from sessionlog_git.base.leave import leave
    from sessionlog_git.main import main as full

    leave(full(words))
