"""`init`'s first steps: `.sessionlog.yaml` (created, or given the project name every clone
must agree on), the state folder (in the git directory) and a pending folder configured in
the work tree (ignored by git through its own `.gitignore`)."""
from __future__ import annotations

import io
from pathlib import Path

from sessionlog_git.base.plan import Plan
from sessionlog_git.constants import CONFIG_NAME, STATE_DIR
from sessionlog_git.workspace import default_project


def ensure_config(top: Path, plan: Plan) -> None:
    from sessionlog_git.pipeline.render import render

    path = top / CONFIG_NAME
    if not path.exists():
        plan.write(path, render("sessionlog.yaml.j2", project=default_project(top)))
        plan.did(f"create {CONFIG_NAME} (project: {default_project(top)})")
        return
    from ruamel.yaml import YAML

    from sessionlog_git.config import parse_yaml

    raw = path.read_bytes()
    parse_yaml(raw, path)  # refuse to build on a config that does not validate
    yaml = YAML(typ="rt")
    doc = yaml.load(raw.decode("utf-8"))
    if doc is not None and doc.get("project"):
        plan.same(f"{CONFIG_NAME} (project: {doc['project']})")
        return
    # The first init records the project name so every clone agrees on it.
    project = default_project(top)
    if doc is None:
        text = raw.decode("utf-8").rstrip("\n") + f"\nproject: {project}\n"
    else:
        doc.insert(0, "project", project)
        out = io.StringIO()
        yaml.dump(doc, out)
        text = out.getvalue()
    plan.write(path, text)
    plan.did(f"add `project: {project}` to {CONFIG_NAME}")


def ensure_pending(top: Path, pending_dir: str, plan: Plan, fresh: set[str] | None = None) -> None:
    """`fresh`: folders this init created already (reading the config caches its parse).

    The state folder (and the default pending folder in it) is in the git directory, which
    git never versions: it needs no `.gitignore`. A pending folder in the work tree gets one."""
    from sessionlog_git.base import statedir
    from sessionlog_git.base.fsutil import ensure_state_dir

    state = Path(statedir.folder(top))
    shown = statedir.display(top, state)
    inside = Path(statedir.resolve(top, pending_dir)) if statedir.in_state(pending_dir) else state
    if inside.is_dir() and STATE_DIR not in (fresh or set()):
        plan.same(f"{shown}/ (the state folder, in the git directory)")
    else:
        if not plan.dry_run:
            statedir.ensure(top)
            inside.mkdir(parents=True, exist_ok=True)
        plan.did(f"create {shown}/: pending entries and state, in the git directory (never "
                 "versioned, untouched by git clean and git stash)")
    for rel in (() if statedir.in_state(pending_dir) else (pending_dir,)):
        folder = top / rel
        if (folder / ".gitignore").is_file() and rel not in (fresh or set()):
            plan.same(f"{rel}/ (ignored by git)")
            continue
        if not plan.dry_run:
            ensure_state_dir(folder)
        plan.did(f"create {rel}/, ignored by git through its own .gitignore")
