"""`sessionlog pending [show|put DAY]`: the temp logs not committed yet, for a person or a
tidying assistant (they live in the git directory, where assistants' file tools may not write)."""
from __future__ import annotations

import sys

from sessionlog_git import workspace
from sessionlog_git.base import identity, statedir
from sessionlog_git.errors import UsageError
from sessionlog_git.logs import pendingedit


def pending(*, action: str = "list", day: str = "", project: str | None = None,
            user: str | None = None) -> int:
    ws = workspace.find()
    if action == "list":
        found = pendingedit.listing(ws)
        where = statedir.display(ws.top, ws.config.pending_path)
        if not found:
            print(f"sessionlog: no pending entries (temp logs live in {where}/)")
            return 0
        print(f"sessionlog: {len(found)} temp log{'s' if len(found) != 1 else ''} waiting for the "
              f"next commit, in {where}/")
        for p in found:
            print(f"  {p.day.isoformat()}  {p.project}/{p.user}  {p.entries} "
                  f"entr{'ies' if p.entries != 1 else 'y'}  {p.shown}")
        return 0
    if not day:
        raise UsageError(f"which day? Fix: `sessionlog pending {action} YYYY-MM-DD` (the days are "
                         "listed by `sessionlog pending`).")
    chosen_user = user or identity.resolve_user(ws.top, ws.config.user)[0]
    path = pendingedit.path_of(ws, pendingedit.parse_day(day), project or ws.config.project,
                               chosen_user)
    shown = statedir.display(ws.top, path)
    if action == "show":
        sys.stdout.write(pendingedit.show(path, shown))
        return 0
    added = pendingedit.put(ws, path, shown, sys.stdin.read())
    print(f"sessionlog: replaced {shown} (every word kept; {max(added, 0)} word"
          f"{'s' if added != 1 else ''} added)")
    return 0
