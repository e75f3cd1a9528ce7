#!/usr/bin/env python3
"""The benchmark's measurements that run inside a child process (`scripts/bench.py` runs them).

Each prints one JSON object: seconds, CPU seconds, peak memory (VmHWM) and a count. Run with the
benchmark's own regular (non-editable) install, in the environment the benchmark passes;
nothing here changes its own environment.

    python scripts/bench_child.py rebuild TOP    # every view rendered from the whole archive, one
                                                 # at a time as `sessionlog check` reads them
    python scripts/bench_child.py read TOP       # the baseline: read every archive file's bytes
    python scripts/bench_child.py consolidate TOP   # one in-process consolidate.run
    python scripts/bench_child.py bare           # peak memory of an interpreter doing nothing
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def peak_mb() -> float:
    """Peak memory of this process: VmHWM (ru_maxrss of a child can carry the parent's peak
    over fork and exec on Linux, which would overstate a small child)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_all(top: Path) -> int:
    return sum(len(p.read_bytes()) for p in (top / "logs" / "archive").rglob("*.md"))


def rebuild(top: Path) -> int:
    from sessionlog_git import workspace
    from sessionlog_git.pipeline import consolidate

    return sum(1 for _ in consolidate.rebuild_each(workspace.at(top)))


def consolidate_once(top: Path) -> int:
    from sessionlog_git import workspace
    from sessionlog_git.pipeline import consolidate

    result = consolidate.run(workspace.at(top))
    if not result.archived or result.problems:
        raise SystemExit(f"bench_child: consolidation archived nothing: {result.problems}")
    return len(result.archived)


JOBS = {"read": read_all, "rebuild": rebuild, "consolidate": consolidate_once}


def main(argv: list[str]) -> int:
    if argv[:1] == ["bare"]:
        print(json.dumps({"seconds": 0.0, "rss_mb": peak_mb(), "n": 0}))
        return 0
    if len(argv) != 2 or argv[0] not in JOBS:
        print(__doc__, file=sys.stderr)
        return 2
    job, top = JOBS[argv[0]], Path(argv[1])
    start, cpu = time.perf_counter(), time.process_time()
    n = job(top)
    elapsed = time.perf_counter() - start
    print(json.dumps({"seconds": elapsed, "cpu": time.process_time() - cpu, "rss_mb": peak_mb(),
                      "n": n}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
