"""The commit's templates rendered without jinja2 are byte for byte jinja2's renders.

pipeline.quickrender runs the small part of jinja2's language the master log and status
templates use; every other template, and any template it cannot read, stays jinja2's. Here
both renderers get the same varied contexts (empty lists and their `else`, one and many
entries, optional parts on and off, text with braces, percent signs, Markdown and non-ASCII),
and a commit's views, rendered by jinja2 afterwards, equal what the commit wrote.
"""
from __future__ import annotations

import json
import random
import subprocess
from typing import Any

import pytest
from conftest import PYTHON, Repo
from test_why import commit_at

from sessionlog_git.pipeline import quickrender, render

TEXTS = ["plain", "", "{{ not a tag }}", "100% sure", "a % b %s", "*bold* _it_ `code`", "ünïcödé — ✓",
         "trailing  ", "  leading", "{% raw %}", "x\\ny"]


def _text(rng: random.Random) -> str:
    return rng.choice(TEXTS) + rng.choice(["", " tail", str(rng.randint(0, 99))])


def _entry(rng: random.Random) -> dict[str, Any]:
    return {
        "time": f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        "offset": rng.choice(["+00:00", "-05:00"]),
        "show_offset": rng.random() < 0.3, "title": _text(rng),
        "summary": _text(rng) if rng.random() < 0.5 else "", "agent": rng.choice(["", "claude", "codex"]),
        "link": f"archive/2026-11/shop/ada/2026-11-0{rng.randint(1, 9)}-abc.md",
        "details": [_text(rng) for _ in range(rng.randint(0, 3))],
        "next": [_text(rng) for _ in range(rng.randint(0, 2))],
        "date": "2026-11-05", "user": rng.choice(["ada", "grace"]), "name": rng.choice(["ada", "grace"]),
    }


def master_context(rng: random.Random) -> dict[str, Any]:
    contributors = []
    for name in sorted(rng.sample(["ada", "grace", "linus", "zoë"], rng.randint(0, 3))):
        days = [{"date": f"2026-11-{d:02d}", "weekday": "Mon", "offset": "+01:00",
                 "entries": [_entry(rng) for _ in range(rng.randint(0, 3))]}
                for d in sorted(rng.sample(range(1, 29), rng.randint(0, 3)))]
        contributors.append({"name": name, "days": days, "count": rng.randint(1, 3)})
    return {"project": "shop", "month": "2026-11", "archive_hint": "logs/archive/",
            "contributors": contributors, "total": rng.choice([0, 1, 2, 17])}


def status_context(rng: random.Random) -> dict[str, Any]:
    def blocker() -> dict[str, Any]:
        view = {**_entry(rng), "text": _text(rng)}
        if rng.random() < 0.5:
            view["closed"] = {**_entry(rng), "text": _text(rng)}
        return view

    def decision(retired: bool) -> dict[str, Any]:
        view = {**_entry(rng), "text": _text(rng), "expires": rng.choice(["", "2027-01-01"]),
                "how": rng.choice(["", "superseded", "reverted"])}
        if retired:
            view["by"] = {**_entry(rng), "text": _text(rng)}
            view["replacements"] = [_text(rng) for _ in range(rng.randint(0, 2))]
        return view

    return {
        "project": "shop", "archive_hint": "logs/archive/",
        "contributors": [_entry(rng) for _ in range(rng.randint(0, 3))],
        "open_blockers": [blocker() for _ in range(rng.randint(0, 3))],
        "recently_closed": [{**blocker(), "closed": {**_entry(rng), "text": _text(rng)}}
                            for _ in range(rng.randint(0, 2))],
        "decisions": [decision(False) for _ in range(rng.randint(0, 3))],
        "retired_decisions": [decision(True) for _ in range(rng.randint(0, 2))],
        "next_steps": [_entry(rng) for _ in range(rng.randint(0, 3))],
    }


@pytest.mark.parametrize(("name", "make"), [("master_log.md.j2", master_context),
                                            ("status.md.j2", status_context)])
def test_the_commits_templates_render_as_jinja2_renders_them(name: str, make: Any) -> None:
    quick = render._quick(name)
    assert quick is not None, f"{name} is rendered by jinja2 at every commit"
    template = render._env().get_template(name)
    rng = random.Random(name)
    for _ in range(300):
        context = make(rng)
        assert quick(**context) == template.render(**context)


def test_whitespace_rules_and_expressions_match_jinja2() -> None:
    import jinja2

    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined)
    sources = [
        "a\n  {% for x in xs %}\n  - {{ x }}\n  {% else %}\n none\n{% endfor %}\nend\n",
        "{% if n == 1 %}one{% else %}{{ n }} items{% endif %}\n\n",
        "  {% if not xs %}empty{% endif %} {{ xs | length }} {{ xs | join(', ') }}\n",
        "{{ 'a %s b' % n if n != 2 else 'two' }} {{ d.k }} {{ d.k | length }}\n",
        "x {% for x in xs %}{{ x }}{% endfor %}\n{% for x in xs %}\n\n{{ x and n or 'z' }}\n{% endfor %}",
        "{% if xs %}\n    {% for x in xs %}\n\t{{ x }}\n    {% endfor %}\n{% endif %}\n",
    ]
    for source in sources:
        quick = quickrender.compile_text(source)
        for xs in ([], ["p"], ["p", "q", "r"]):
            for n in (1, 2, 3):
                context = {"xs": xs, "n": n, "d": {"k": "v", "items": [1, 2]}}
                assert quick(**context) == env.from_string(source).render(**context), source


def test_what_it_cannot_read_is_left_to_jinja2() -> None:
    for source in ("{{ x | upper }}", "{{ x[0] }}", "{% set y = 1 %}", "{{ loop.index }}",
                   "{# c #}", "{%- if x %}{% endif %}", "{{ f(x) }}", "{% for x in y if x %}{% endfor %}",
                   "{{ x is defined }}", "{{ true }}", "{% if x %}"):
        with pytest.raises(quickrender.Unsupported):
            quickrender.compile_text(source)
    assert quickrender.compiled(render.template_text("context.md.j2")) is None
    with pytest.raises(quickrender.Undefined):
        quickrender.compile_text("{{ a.b }}")(a={})


def test_a_commit_renders_without_jinja2_and_jinja2_renders_the_same_views(native_repo: Repo) -> None:
    repo = native_repo
    repo.log("2026-11-10T09:00:00+01:00", "Ledger 50% done", "Decision: ledger.py writes {{ twice }}",
             "Blocked on: the auditors", "Next: ask grace")
    commit_at(repo, "2026-11-10T10:00:00+00:00", "--allow-empty", "-m", "Ledger")
    repo.log("2026-11-11T09:00:00+01:00", "Ledger", "Supersedes: ledger.py writes {{ twice }}",
             "Decision: ledger.py writes once", "Unblocked: the auditors signed", user="grace")
    code = (
        "import json, pathlib, sys; from sessionlog_git import workspace; "
        "from sessionlog_git.pipeline import consolidate; "
        "consolidate.run(workspace.at(pathlib.Path.cwd())); "
        "print(json.dumps('jinja2' in sys.modules))"
    )
    assert json.loads(repo.run(PYTHON, "-c", code).stdout) is False
    commit_at(repo, "2026-11-11T10:00:00+00:00", "-m", "Ledger once")
    by_jinja2 = (
        "import json, pathlib; from sessionlog_git import workspace; "
        "from sessionlog_git.pipeline import consolidate, render; "
        "render.QUICK = frozenset(); "
        "print(json.dumps(consolidate.rebuild(workspace.at(pathlib.Path.cwd()))))"
    )
    expected = json.loads(subprocess.run([PYTHON, "-c", by_jinja2], cwd=repo.path, capture_output=True,
                                         text=True, check=True).stdout)
    assert sorted(expected) == ["logs/shop-session-log-2026-11.md", "logs/shop-status.md"]
    for rel, text in expected.items():
        assert repo.read(rel) == text, rel
    assert "{{ twice }}" in repo.read("logs/shop-status.md")
