"""`init`'s first steps: `.sessionlog.yaml` (created, or given the project name every clone
must agree on) and the state and pending folders, each ignored by git through its own
`.gitignore`."""
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
    """`fresh`: folders this init created already (reading the config caches its parse)."""
    from sessionlog_git.base.fsutil import ensure_state_dir

    for rel in dict.fromkeys((STATE_DIR, pending_dir)):
        folder = top / rel
        if (folder / ".gitignore").is_file() and rel not in (fresh or set()):
            plan.same(f"{rel}/ (ignored by git)")
            continue
        if not plan.dry_run:
            ensure_state_dir(folder)
        plan.did(f"create {rel}/, ignored by git through its own .gitignore")
