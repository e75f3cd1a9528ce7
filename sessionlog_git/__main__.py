from __future__ import annotations

import sys

if sys.argv[1:] == ["git-hook", "pre-commit"]:
    # Every commit runs this: answer an idle commit before importing anything else.
    from sessionlog_git.idle import nothing_to_do

    if nothing_to_do("."):
        raise SystemExit(0)

from sessionlog_git.main import main

raise SystemExit(main())
