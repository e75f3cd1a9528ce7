from __future__ import annotations

from sessionlog_git.main import main

raise SystemExit(main())
