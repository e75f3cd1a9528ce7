"""`sessionlog hook EVENT [--agent NAME]`: the one entry of the assistants' hooks.

Claude Code, Codex CLI and Gemini CLI run it on every session start, prompt, stop (and,
where the CLI has them, compaction and session end). The words are read leniently (argparse
would exit 2 on a bad one, and exit 2 from a Claude Code hook blocks the prompt), stdin is
read once, and the whole event runs inside `errors.boundary("quiet")`: whatever happens the
process exits 0 (or 2 with the reason on stderr, when Stop asks for an entry from a CLI whose
row says `block_exit`) and prints only what the assistant should see; our own errors go to
`.sessionlog/hook-errors.log`.

The per-prompt event tries the lean decision (`prompt`) first; when it declines (or fails),
the handlers decide, with the stdin already read. Standard library only at import. The fast
entry (`hook`, what the launcher runs) exits without the interpreter's teardown once the
output is flushed (`base.leave`): every file an event writes is closed before it returns.
"""
from __future__ import annotations

import os

from sessionlog_git.agents import payload, registry, session
from sessionlog_git.constants import HOOK_ERROR_LOG
from sessionlog_git.errors import boundary

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from typing import Any


def run(event: str, agent: str = registry.DEFAULT, data: dict[str, Any] | None = None, *,
        lean: bool = True) -> int:
    """Handle one hook event; prints what the assistant's CLI should see; returns 0 (2 for a
    Stop block by exit code).

    `data` is the event's JSON when the caller has it already (else stdin is read);
    `lean=False` skips the lean per-prompt decision (the tests compare the two).
    """
    tops: list[str] = []

    def error_log() -> str | None:
        if not tops:
            return None  # no work tree: nowhere to write
        from sessionlog_git.base import statedir

        return os.path.join(statedir.ensure(tops[0]), HOOK_ERROR_LOG)

    out: str | None = None
    ours = event
    with boundary("quiet", what=f"sessionlog hook {event}", error_log=error_log):
        if data is None:
            data = session.read_stdin()
        data = payload.normalize(data)
        ours = registry.our_event(event)
        if lean and ours == registry.PROMPT_EVENT:
            out = _lean(data, agent)
        if lean and ours == "session-start":
            out = _lean_start(data, agent)
        if ours in registry.TOOL_EVENTS:
            from sessionlog_git.agents.edit_context import run as tool_event

            out = tool_event(ours, agent, data, tops)
        if out is None:
            _load_site()
            out = _full(ours, event, agent, data, tops)
    if out and out.startswith(registry.EXIT_BLOCK):
        session.emit(out[len(registry.EXIT_BLOCK):], stream="stderr")
        return 2  # the CLI's row asks so (block_exit): Claude Code shows stderr once
    if not out:
        row = registry.get(agent)
        out = row.silence.get(ours, "") if row else ""
    session.emit(out or "")
    return 0


def _load_site() -> None:
    """Load `site` when the launcher started this hook without it (-S, the lean start): the
    handlers may need packages from site-packages (and what its .pth files set up). The lean
    per-prompt decision and the tool events need only the standard library."""
    import sys

    if sys.flags.no_site and "site" not in sys.modules:
        import site

        site.main()


def _lean(data: dict[str, Any], agent: str) -> str | None:
    """The lean decision's stdout, or None when the handlers must decide (they log errors)."""
    from sessionlog_git.agents.prompt import prompt

    try:
        return prompt(data, agent)
    except Exception:  # a hand-off, not a boundary: the handlers decide, and log real errors
        return None


def _lean_start(data: dict[str, Any], agent: str) -> str | None:
    """The lean session start's stdout (from the summary), or None when the handlers must."""
    from sessionlog_git.agents.start import start

    try:
        return start(data, agent)
    except Exception:  # a hand-off, not a boundary: the handlers decide, and log real errors
        return None


def _full(ours: str, event: str, agent: str, data: dict[str, Any], tops: list[str]) -> str:
    assistant = registry.get(agent)
    top = session.find_top((assistant or registry.ASSISTANTS[registry.DEFAULT]).project_env, data)
    if top is not None:
        tops.append(top)
    if assistant is None:
        raise ValueError(
            f"unknown --agent {agent!r}; known: {', '.join(registry.ASSISTANTS)}. Fix: run "
            "`sessionlog init --agent NAME` again to rewrite that assistant's hooks."
        )
    if ours not in registry.EVENTS:
        raise ValueError(
            f"unknown hook event {event!r}; known: {', '.join(registry.EVENTS)}. Fix: run "
            f"`sessionlog init --agent {assistant.name}` again to rewrite its hooks."
        )
    if top is None:
        return ""
    from pathlib import Path

    from sessionlog_git.agents.handlers import handle

    return handle(ours, assistant, Path(top), data)


def main(words: list[str]) -> int:
    """`hook EVENT [--agent NAME | --agent=NAME]` (the words after the program name)."""
    rest = words[2:]
    agent = next((w.split("=", 1)[1] for w in rest if w.startswith("--agent=")), "")
    if "--agent" in rest and rest.index("--agent") + 1 < len(rest):
        agent = rest[rest.index("--agent") + 1]
    event = words[1] if len(words) > 1 else ""
    if registry.our_event(event) not in registry.EVENTS or registry.get(agent or "") is None:
        # Said where a person running it sees it; still exit 0 (a hook never fails the CLI).
        import sys

        what = (f"unknown hook event {event!r}" if registry.our_event(event) not in registry.EVENTS
                else f"unknown --agent {agent!r}")
        sys.stderr.write(
            f"sessionlog hook: {what}. Known events: {', '.join(registry.EVENTS)}; assistants: "
            f"{', '.join(registry.ASSISTANTS)}. Fix: `sessionlog init --agent NAME` rewrites "
            "the assistant's hooks; `sessionlog hook --help` shows the usage.\n")
    return run(event, agent or registry.DEFAULT)


# What the hooks' commands run (`settings.python_command`): the interpreter with `-c` and this
# code, then the words `-m sessionlog_git` would get. `-c` skips runpy (importlib.util,
# contextlib: a few ms on every prompt); the words keep the command recognisable as ours.
FAST_CODE = "import sessionlog_git.agents.entry as e; e.hook()"


def hook() -> None:
    """The fast entry: `python -c FAST_CODE sessionlog_git hook EVENT [--agent NAME]` does what
    `python -m sessionlog_git hook EVENT [--agent NAME]` does, without runpy, and leaves without
    the interpreter's teardown (`base.leave`: a tenth of a prompt's CPU)."""
    import sys

    from sessionlog_git.base.leave import leave

    words = sys.argv[1:]
    if words[:1] == ["sessionlog_git"]:
        words = words[1:]
    leave(main(words))
