#!/usr/bin/env python3
"""Exactly once under `kill -9`: real `git commit`s killed at random moments, then counted.

Usage: scripts/kill_loop.py [ROUNDS] [SEED]   (defaults 50 and 11)

Each round logs one to three entries, starts `git commit -am` (native hook) and sends SIGKILL
to its whole process group after a random 0.02-1.5 s, as a user's Ctrl-\\ or an OOM kill would;
the lock a killed git leaves is removed, as a user would. A last commit runs unharmed. Then
every entry is counted in HEAD's archive, and HEAD's `logs/` is checked for leftovers.
Prints one line of figures; exits 1 when an entry is missing, repeated or a leftover is there.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def git(top: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(("git", *args), cwd=top, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout


def sl(top: Path, *args: str, env: dict[str, str] | None = None) -> int:
    return subprocess.run((sys.executable, "-m", "sessionlog_git", *args), cwd=top,
                          env={**os.environ, **(env or {})}, capture_output=True,
                          check=False).returncode


def titles(texts: list[str]) -> list[str]:
    return [line.split(" - ", 1)[1] for text in texts for line in text.splitlines()
            if line.startswith("## ") and " - " in line]


def killed_group_gone(pgid: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 11)
    work = Path(tempfile.mkdtemp(prefix="sessionlog-kill-"))
    os.environ.update({"HOME": str(work), "GIT_CONFIG_NOSYSTEM": "1"})
    top = work / "shop"
    top.mkdir()
    git(top, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Ada"), ("user.email", "ada@example.com"),
                       ("commit.gpgsign", "false"), ("github.user", "ada")):
        git(top, "config", key, value)
    (top / "app.py").write_text("print('hello')\n")
    git(top, "add", "app.py")
    git(top, "commit", "-qm", "initial")
    sl(top, "init", "--hooks", "native")
    git(top, "add", ".sessionlog.yaml", ".gitattributes")
    git(top, "commit", "-qm", "set up sessionlog")
    logged: list[str] = []
    kills = 0
    for n in range(rounds):
        for k in range(rng.randint(1, 3)):
            title = f"R{n:03d}.{k}"
            logged.append(title)
            sl(top, "log", title, "Decision: x", env={
                "SESSIONLOG_NOW": f"2026-11-{1 + n % 28:02d}T{8 + k:02d}:{n % 60:02d}:00+01:00",
                "SESSIONLOG_USER": rng.choice(["ada", "grace"])})
        with (top / "app.py").open("a") as handle:
            handle.write(f"x{n} = {n}\n")
        proc = subprocess.Popen(["git", "commit", "-qam", f"round {n}"], cwd=top,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(rng.uniform(0.02, 1.5))
        if proc.poll() is None:
            kills += 1
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_group_gone(proc.pid)
        (top / ".git/index.lock").unlink(missing_ok=True)
    with (top / "app.py").open("a") as handle:
        handle.write("end = 1\n")
    git(top, "add", "-A")
    git(top, "commit", "-qm", "final")
    names = git(top, "ls-tree", "-r", "--name-only", "HEAD", "logs").split()
    archive = [name for name in names if name.startswith("logs/archive/")]
    head = Counter(titles([git(top, "show", f"HEAD:{name}") for name in archive]))
    leftovers = [name for name in names if "/." in name or not name.endswith(".md")]
    pending = list((top / ".git/sessionlog/pending").glob("*/*/*.md"))
    repeated = sum(1 for count in head.values() if count > 1)
    missing = len(set(logged) - set(head))
    print(f"rounds {rounds}, commits killed {kills}, entries logged {len(logged)}, "
          f"entries in HEAD {sum(head.values())} ({len(head)} distinct), archived twice "
          f"{repeated}, missing {missing}, still pending {len(pending)}, leftover files in "
          f"HEAD's logs/ {len(leftovers)}")
    return 1 if repeated or missing or leftovers or pending else 0


if __name__ == "__main__":
    sys.exit(main())
