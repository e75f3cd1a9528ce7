"""Render views with jinja2 templates shipped in the package."""
from __future__ import annotations

from functools import cache
from typing import Any

TEMPLATE_PACKAGE = "sessionlog_git.templates"


@cache
def _env(html: bool = False) -> Any:
    """Markdown views keep their trailing newline; HTML autoescapes, because user text (titles,
    blockers) must never become markup."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(template_text),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=not html,
        autoescape=html,
        undefined=jinja2.StrictUndefined,
    )


def template_text(name: str) -> str:
    from importlib.resources import files

    return files(TEMPLATE_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def render(name: str, **context: Any) -> str:
    text: str = _env().get_template(name).render(**context)
    # One trailing newline, no trailing blanks: stable output whatever the template does.
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()) + "\n"


def render_html(name: str, **context: Any) -> str:
    """An HTML page from a template, with autoescaping on."""
    text: str = _env(html=True).get_template(name).render(**context)
    return text.rstrip("\n") + "\n"
