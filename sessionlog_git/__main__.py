from __future__ import annotations

import sys

if sys.argv[1:2] == ["hook"] and not {"-h", "--help"} & set(sys.argv):
    # The agent hooks (every prompt): straight to their lean entry point, before main.py's
    # imports (typing, the error classes) and without a parser.
    from sessionlog_git.agents.entry import main as hook_main

    raise SystemExit(hook_main(sys.argv[1:]))

if sys.argv[1:] == ["git-hook", "pre-commit"]:
    # Every commit runs this: answer an idle commit before importing anything else.
    from sessionlog_git.pipeline.idle import nothing_to_do

    if nothing_to_do("."):
        raise SystemExit(0)

from sessionlog_git.main import main

raise SystemExit(main())
