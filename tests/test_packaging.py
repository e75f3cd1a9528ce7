"""The two commands a newcomer runs, and the release build a user installs."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, make_repo

from sessionlog_git import __version__


def _built(tmp_path: Path) -> tuple[Path, Path, str]:
    """`python -m build` of this checkout: (sdist, wheel, everything it printed)."""
    out_dir = tmp_path / "dist"
    # PYTHONDONTWRITEBYTECODE (set on some machines) makes setuptools say it skips byte-compiling:
    # a message about the environment, not the package.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out_dir),
                           str(ROOT)], capture_output=True, text=True, env=env, timeout=600, check=False)
    printed = proc.stdout + proc.stderr
    assert proc.returncode == 0, printed
    (sdist,) = out_dir.glob("sessionlog_git-*.tar.gz")
    (wheel,) = out_dir.glob("sessionlog_git-*.whl")
    return sdist, wheel, printed


@pytest.mark.slow
def test_release_build_is_clean_complete_and_installs_on_its_own(tmp_path: Path) -> None:
    sdist, wheel, printed = _built(tmp_path)
    # No warnings: not setuptools' "Package would be ignored", nor any deprecation.
    noisy = [line for line in printed.splitlines() if re.search(r"warn|deprecat|ignored", line, re.I)]
    assert noisy == [], "\n".join(noisy)
    assert sdist.name == f"sessionlog_git-{__version__}.tar.gz"
    assert wheel.name == f"sessionlog_git-{__version__}-py3-none-any.whl"
    # twine: metadata complete, README renders on the package index.
    twine = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)],
                           capture_output=True, text=True, check=False)
    assert twine.returncode == 0, twine.stdout + twine.stderr
    assert twine.stdout.count("PASSED") == 2, twine.stdout

    names = set(zipfile.ZipFile(wheel).namelist())
    # Every template, in every subfolder, and every module of the package.
    templates = [p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts]
    assert len(templates) > 20
    missing = [t for t in templates if f"sessionlog_git/templates/{t}" not in names]
    assert missing == []
    modules = [p.relative_to(ROOT).as_posix() for p in (ROOT / "sessionlog_git").rglob("*.py")
               if "__pycache__" not in p.parts]
    assert [m for m in modules if m not in names] == []
    assert "sessionlog_git/mcp/server.py" in names  # `sessionlog mcp` (the SDK is the [mcp] extra)
    assert not [n for n in names if n.startswith(("tests/", "scripts/", "templates/", "plugin/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    dist_info = f"sessionlog_git-{__version__}.dist-info"
    assert f"{dist_info}/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(wheel).read(f"{dist_info}/METADATA").decode()
    for line in (f"Version: {__version__}", "License-Expression: MIT", "License-File: LICENSE",
                 "Requires-Python: >=3.10", "Project-URL: Source, https://github.com/sessionlog/sessionlog-git",
                 "Description-Content-Type: text/markdown"):
        assert f"\n{line}\n" in metadata, line
    entry_points = zipfile.ZipFile(wheel).read(f"{dist_info}/entry_points.txt").decode()
    assert "sessionlog = sessionlog_git.main:main" in entry_points
    with tarfile.open(sdist) as tar:
        in_sdist = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", "setup.py", "action.yml",
            "templates/reports/page.html.j2", "templates/claude/agents/session-logger.md.j2",
            "tests/conftest.py", "tests/e2e/conftest.py", "scripts/demo"} <= in_sdist
    assert not [n for n in in_sdist if "__pycache__" in n or n.startswith((".venv/", ".cache/"))]

    # The wheel, not this checkout, into a fresh venv (its dependencies from the package index).
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py, sessionlog = env_dir / "bin" / "python", env_dir / "bin" / "sessionlog"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
                   check=True, capture_output=True, timeout=600)
    where = subprocess.run([str(py), "-c", "import sessionlog_git; print(sessionlog_git.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert where.startswith(str(env_dir)), where
    out = subprocess.run([str(sessionlog), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout == f"sessionlog-git {__version__}\n"
    # One real commit that consolidates a logged entry.
    repo = make_repo(tmp_path / "shop")
    repo.run(str(sessionlog), "init", "--hooks", "native")
    repo.run(str(sessionlog), "log", "Chose the wheel", "Decision: test the built wheel, because "
             "the source tree hides packaging mistakes", env={"SESSIONLOG_NOW": "2026-11-27T09:00:00+01:00"})
    repo.append("app.py", "# more\n")
    commit = repo.git("commit", "-a", "-m", "Work")
    assert "sessionlog: consolidated 1 entry from 1 temp log (2026-11-27)" in commit.stderr
    files = repo.head_files()
    assert "logs/shop-session-log-2026-11.md" in files and "logs/shop-status.md" in files
    assert any(f.startswith("logs/archive/2026-11/shop/ada/2026-11-27-") for f in files)
    assert "Chose the wheel" in repo.tracked("logs/shop-session-log-2026-11.md")
    assert str(env_dir) in (repo.path / ".git/hooks/pre-commit").read_text()
    ours_to_commit = (".sessionlog.yaml", ".gitattributes")  # init's files, for the user to commit
    assert [line for line in repo.porcelain() if not line.endswith(ours_to_commit)] == []


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["SESSIONLOG_DEMO_VENV"] = str(tmp_path / "demo-venv")

    def demo() -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(ROOT / "scripts" / "demo")], capture_output=True, text=True,
                              env=env, timeout=600, check=False)

    proc = demo()
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # First run: one line says what it installs, and no packaging noise follows (pip and
    # setuptools print nothing unless the install fails).
    assert out.startswith("==> installing sessionlog-git into ")
    assert out.splitlines()[1] == "==> sessionlog init"
    for noise in ("warning", "deprecat", "would be ignored", "successfully installed", "requirement"):
        assert noise not in out.lower(), out
        assert noise not in proc.stderr.lower(), proc.stderr
    # The product only: no test tools in the demo's venv, and not an editable install.
    bin_dir = tmp_path / "demo-venv" / "bin"
    assert (bin_dir / "sessionlog").exists()
    for tool in ("pytest", "ruff", "mypy", "twine"):
        assert not (bin_dir / tool).exists(), tool
    site = next((tmp_path / "demo-venv" / "lib").glob("python3*/site-packages"))
    assert (site / "sessionlog_git" / "templates" / "master_log.md.j2").is_file()
    assert not list(site.glob("__editable__*")), "the demo installs like a user, not editable"
    # git shows a hook's output on stderr.
    assert "consolidated 3 entries from 2 temp logs (2026-11-24..2026-11-25)" in proc.stderr
    assert "logs/payments-api-session-log-2026-11.md" in out
    assert "- **09:05** Root-caused double charges in retries" in out
    assert "ops to provision Redis in staging (ticket OPS-1432) — ada, open since 2026-11-25 00:20" in out
    status_section = out.split("git status --porcelain (nothing of ours left behind)")[1]
    assert status_section.lstrip().startswith("=====")  # git status printed nothing
    # Later runs reuse the venv: nothing is installed again, and the result is the same.
    again = demo()
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("==> sessionlog init")
    assert "- **09:05** Root-caused double charges in retries" in again.stdout
