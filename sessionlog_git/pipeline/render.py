"""Render views with jinja2 templates shipped in the package."""
from __future__ import annotations

import contextlib
from functools import cache
from pathlib import Path
from typing import Any

TEMPLATE_PACKAGE = "sessionlog_git.templates"


_compiled_in: list[Path] = []  # the folder cache_compiled named, applied when jinja2 loads


@cache
def _env(html: bool = False) -> Any:
    """Markdown views keep their trailing newline; HTML autoescapes, because user text (titles,
    blockers) must never become markup."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(template_text),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=not html,
        autoescape=html,
        undefined=jinja2.StrictUndefined,
    )
    if not html and _compiled_in:
        _use_cache(env, _compiled_in[-1])
    return env


def cache_compiled(folder: Path) -> None:
    """Keep the Markdown templates' compiled code in `folder` (an ignored state folder), so a
    commit loads it instead of compiling the templates again: jinja2 checks each entry against
    the template's source, and a folder per jinja2 version keeps another version's code out.
    A repository's first commit finds the code in the user's cache folder (`user_cache`),
    which any repository's render filled. A cache that cannot be written only costs the
    compile. Nothing is imported until a template is rendered (a commit that renders no view
    never imports jinja2)."""
    _compiled_in[:] = [folder]
    if _env.cache_info().currsize:
        _use_cache(_env(), folder)


def warm(folder: Path, *names: str) -> None:
    """Load jinja2 and the templates `names` (their compiled code kept in `folder`, as
    `cache_compiled`) now, ahead of the render: while a forked child redacts a backlog, this
    process has the time (logs.batchread)."""
    cache_compiled(folder)
    env = _env()
    for name in names:
        env.get_template(name)


def _use_cache(env: Any, folder: Path) -> None:
    import jinja2

    where = folder / f"jinja2-{jinja2.__version__}"
    if getattr(env.bytecode_cache, "directory", None) == str(where):
        return
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    cache = _safe_cache_class()(str(where))
    shared = user_cache()
    if shared is not None and shared != folder:
        cache.fallback = _safe_cache_class()(str(shared / f"jinja2-{jinja2.__version__}"))
    env.bytecode_cache = cache


def user_cache() -> Path | None:
    """The user's cache folder for compiled templates (`$XDG_CACHE_HOME/sessionlog-git/templates`,
    or under `~/.cache`): None where there is no home."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "sessionlog-git" / "templates"


def _safe_cache_class() -> Any:
    import pickle

    import jinja2

    class SafeCache(jinja2.FileSystemBytecodeCache):
        """jinja2's file cache that never fails a render: a damaged or unreadable entry is a
        miss (the template compiles), an entry that cannot be written is skipped. With a
        `fallback` (the user's cache), a miss here is looked up there, and code compiled or
        found there is kept here too."""

        fallback: Any = None

        def load_bytecode(self, bucket: Any) -> None:
            try:
                super().load_bytecode(bucket)
            except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
                bucket.reset()
            if bucket.code is None and self.fallback is not None:
                self.fallback.load_bytecode(bucket)
                if getattr(bucket, "code", None) is not None:  # here too: the next commit
                    with contextlib.suppress(OSError):  # reads only this one
                        super().dump_bytecode(bucket)

        def dump_bytecode(self, bucket: Any) -> None:
            """After a compile: here, and in the user's cache."""
            import os

            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)
            if self.fallback is not None:
                with contextlib.suppress(OSError):
                    os.makedirs(self.fallback.directory, exist_ok=True)
                    self.fallback.dump_bytecode(bucket)

    return SafeCache


def template_text(name: str) -> str:
    """A template's text: read from the package's folder (importlib.resources, a few
    milliseconds of imports at every commit, only where the package is not a folder)."""
    import os
    from importlib import import_module

    folder = os.path.dirname(import_module(TEMPLATE_PACKAGE).__file__ or "")
    try:
        with open(os.path.join(folder, *name.split("/")), encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        pass
    from importlib.resources import files

    return files(TEMPLATE_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def render(name: str, **context: Any) -> str:
    text: str = _env().get_template(name).render(**context)
    # One trailing newline, no trailing blanks: stable output whatever the template does.
    return "\n".join([line.rstrip() for line in text.strip("\n").splitlines()]) + "\n"


def render_spliced(name: str, verbatim: dict[str, str], **context: Any) -> str:
    """`render(name, **context, **verbatim)` for `verbatim` texts already as `render` leaves
    lines (no trailing blanks, "\n" between lines, none at either end), each alone on its
    template line: the template lays out a mark in each one's place, and the text goes in
    after the rest is tidied, so a text of tens of thousands of lines is not gone over again."""
    import secrets

    marks = {key: f"@@{secrets.token_hex(16)}@@" for key in verbatim}
    text = render(name, **context, **marks)
    for key, mark in marks.items():
        before, found, after = text.partition(mark)
        if not found or mark in after:
            raise ValueError(f"{name}: `{key}` must be laid out once, alone on its line")
        text = before + verbatim[key] + after
    return text


def render_html(name: str, **context: Any) -> str:
    """An HTML page from a template, with autoescaping on."""
    text: str = _env(html=True).get_template(name).render(**context)
    return text.rstrip("\n") + "\n"
