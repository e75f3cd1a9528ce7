"""The two commands a newcomer runs, and the wheel a user installs."""
from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT


@pytest.mark.slow
def test_wheel_ships_templates_and_the_command(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("sessionlog_git-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in ("master_log.md.j2", "status.md.j2", "sessionlog.yaml.j2", "native-hook.sh.j2",
                     "why.md.j2", "reports/page.html.j2", "reports/time.md.j2"):
        assert f"sessionlog_git/templates/{template}" in names
    assert not any(n.startswith("tests/") for n in names)
    assert "sessionlog_git/mcp/server.py" in names  # `sessionlog mcp` (the SDK is the [mcp] extra)
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))
    ).decode()
    assert "sessionlog = sessionlog_git.main:main" in entry_points
    # Installed on its own (no dependencies needed for these two), it runs and finds templates.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True)
    out = subprocess.run([str(env_dir / "bin" / "sessionlog"), "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "sessionlog-git 0.1.0"
    text = subprocess.run(
        [str(py), "-c", "from sessionlog_git.pipeline.render import template_text as t; "
         "print(t('master_log.md.j2'))"], capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout
    assert "session log" in text


@pytest.mark.slow
def test_demo_runs_end_to_end() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["SESSIONLOG_VENV"] = str(Path(sys.executable).parent.parent)
    proc = subprocess.run([str(ROOT / "scripts" / "demo")], capture_output=True, text=True,
                          env=env, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # git shows a hook's output on stderr.
    assert "consolidated 3 entries from 2 temp logs (2026-11-24..2026-11-25)" in proc.stderr
    assert "logs/payments-api-session-log-2026-11.md" in out
    assert "- **09:05** Root-caused double charges in retries" in out
    assert "ops to provision Redis in staging (ticket OPS-1432) — ada, open since 2026-11-25 00:20" in out
    status_section = out.split("git status --porcelain (nothing of ours left behind)")[1]
    assert status_section.lstrip().startswith("=====")  # git status printed nothing
