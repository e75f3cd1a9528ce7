"""The assistants sessionlog works with: ONE table, one row per assistant.

A row holds everything that differs between the AI CLIs; every other module (the hook
entry, the lean prompt decision, the handlers, setup/uninstall, doctor, the plugin builder,
`sessionlog log`) reads it from here. A fifth assistant is one more row in `ASSISTANTS`
(plus one formatter in `FORMATTERS` if the way its CLI reads hook output differs).

| assistant | hooks file | events hooked | timeout unit | instructions |
| --- | --- | --- | --- | --- |
| Claude Code | `.claude/settings.json` | all five | seconds | `CLAUDE.md` (+ two subagents) |
| Codex CLI | `.codex/hooks.json` | start, prompt, stop, end | seconds | `AGENTS.md` |
| Gemini CLI | `.gemini/settings.json` | start, BeforeAgent, AfterAgent, end | milliseconds | `GEMINI.md` |
| Copilot CLI | `.github/hooks/sessionlog.json` | start, prompt, stop, end | s | `.github/copilot-*.md` |
| Qwen Code | `.qwen/settings.json` | start, prompt, stop, end | seconds | `QWEN.md` |
| OpenCode | none: `.opencode/plugins/sessionlog.js` | start, prompt (no stop, end) | - | in the plugin |
| Cursor | `.cursor/hooks.json` | beforeSubmitPrompt, stop | - | `.cursor/rules/sessionlog.mdc` |
| Windsurf | `.windsurf/hooks.json` | pre_user_prompt, post_cascade_response | - | `.windsurf/rules/` |

The last five (see `agents.hookfile` for the flat hooks files and `agents.payload` for their
stdin): Copilot CLI 1.0, Qwen Code 0.24 and OpenCode 1.18 verified with the real CLIs;
Cursor and Windsurf from their documentation only. Copilot reads only a flat
`{"additionalContext"}`; Qwen reads the Claude shapes; OpenCode's plugin reads our plain
stdout; Cursor's `stop` continues with `{"followup_message"}` and none of its documented
prompt hooks reaches the model; nothing a Windsurf hook prints reaches the model (the
person sees it with `show_output`).

Output shapes (verified with Claude Code 2.1, Codex 0.169, Gemini CLI 0.61): all three
inject `{"hookSpecificOutput": {"hookEventName", "additionalContext"}}` from their start and
per-prompt events (Gemini only that JSON form: plain stdout is shown as a warning and
dropped); a stop that should first get a log entry is `{"decision": "block", "reason"}` for
all three, and the reason comes back as the next prompt; only Claude Code appends a
PreCompact hook's plain stdout to the compaction instructions. Codex clamps a SessionEnd
hook's timeout to 3 s; its PreCompact output carries no context, so Codex relies on
SessionStart `source: compact`. Gemini's `hooks` object may also hold `enabled`,
`disabled` and `notifications`, which are kept.

Tool events (`post-tool-use`, `pre-tool-use`; `agents.edit_context`): Claude Code PostToolUse on
Read and PreToolUse on Edit|Write|MultiEdit, Codex PreToolUse (apply_patch), Gemini AfterTool,
Qwen PostToolUse, Copilot postToolUse; `matchers` gives a Claude-shaped group its matcher.

Runs on every prompt: standard library only, no dataclasses, no typing at run time.
"""
from __future__ import annotations

import os

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# Our event names, the words after `sessionlog hook`.
EVENTS = ("session-start", "user-prompt-submit", "stop", "pre-compact", "session-end",
          "post-tool-use", "pre-tool-use")
PROMPT_EVENT = "user-prompt-submit"
# A file read or about to be edited: its live reasoning is told (agents.edit_context).
TOOL_EVENTS = ("post-tool-use", "pre-tool-use")
DEFAULT = "claude"  # `sessionlog hook EVENT` without --agent
# A formatted output that starts so is a block by exit 2: the rest goes to stderr.
EXIT_BLOCK = "\x00exit 2\x00"


class Assistant:
    """One AI CLI; see the module docstring for what each field means to it."""

    __slots__ = (
        "aliases", "block_exit", "compaction_text", "config_fields", "events", "extra_files",
        "folders", "handler", "header", "instructions", "label", "matchers", "name", "output",
        "project_env", "settings", "shell_marker", "silence", "title", "trust", "unit",
    )

    def __init__(
        self,
        name: str,
        *,
        label: str,
        title: str,
        aliases: tuple[str, ...],
        shell_marker: str,
        project_env: str,
        events: tuple[tuple[str, str, int], ...],
        unit: str,
        settings: str,
        instructions: str,
        config_fields: frozenset[str] = frozenset(),
        folders: tuple[str, ...] = (),
        compaction_text: bool = False,
        extra_files: tuple[tuple[str, str], ...] = (),
        output: str = "hook-json",
        trust: str = "",
        handler: Mapping[str, object] | None = None,
        header: Mapping[str, object] | None = None,
        silence: Mapping[str, str] | None = None,
        matchers: Mapping[str, str] | None = None,
        block_exit: bool = False,
    ) -> None:
        self.name = name  # as in `init --agent` and `hook --agent`
        self.label = label  # recorded with entries (meta `agent=`), put in the log command
        self.title = title
        self.aliases = aliases  # more spellings `sessionlog log --agent` accepts
        # Set by the CLI in the environment of the shell commands its model runs:
        # `sessionlog log` without --agent records this assistant.
        self.shell_marker = shell_marker
        self.project_env = project_env  # the variable naming the project dir ("" for none)
        # (our event, the CLI's event name, hook timeout in `unit`); timeout 0: the CLI has
        # the event but init hooks nothing there (its output would reach nobody).
        self.events = events
        self.unit = unit  # "s" or "ms"
        self.settings = settings  # the hooks file, relative to the top
        self.instructions = instructions  # the file the CLI reads instructions from
        self.config_fields = config_fields  # non-event keys under "hooks"
        self.folders = folders  # folders init may create (uninstall removes them when empty)
        self.compaction_text = compaction_text  # plain PreCompact stdout reaches compaction
        # (file relative to the top, template under templates/claude/) init writes as well
        self.extra_files = extra_files
        self.output = output  # the key of its formatter in FORMATTERS
        self.trust = trust  # the one-time trust step doctor explains ("" for none)
        # None: Claude-shaped matcher groups under "hooks". Else a flat list of handlers per
        # event, each this mapping with "{command}" and "{timeout}" filled in (agents.hookfile).
        self.handler = handler
        self.header = header or {}  # top-level keys a new hooks file starts with ({"version": 1})
        # our event -> what to print when there is nothing to say, where the CLI expects an
        # answer every time (Cursor's beforeSubmitPrompt: {"continue": true})
        self.silence = silence or {}
        # our event -> the matcher of its group in a Claude-shaped hooks file (which tools a
        # tool event fires for); events without one get no matcher
        self.matchers = matchers or {}
        # Stop asks by exit 2 with the reason on stderr (Claude Code shows that once, as
        # "Stop hook feedback"; its JSON `decision: block` reaches the model twice, once
        # labelled an error). False: the JSON decision, which the others show once.
        self.block_exit = block_exit

    def __repr__(self) -> str:
        return f"Assistant({self.name!r})"

    def native(self, event: str) -> str:
        """The CLI's name for one of our events (our name when it has none)."""
        for ours, native, _ in self.events:
            if ours == event:
                return native
        return event

    def hooked(self) -> tuple[tuple[str, str, int], ...]:
        """(our event, the CLI's event, timeout) of each hook init installs."""
        return tuple(row for row in self.events if row[2])

    def format(self, event: str, kind: str, text: str) -> str:
        """The exact stdout this CLI turns into context or a continuation ("" for nothing).

        `kind`: "context" (facts for the model), "block" (ask before stopping) or
        "compaction" (what a compaction summary must keep).
        """
        if not text:
            return ""
        return FORMATTERS[self.output](self, event, kind, text)


def _hook_json(assistant: Assistant, event: str, kind: str, text: str) -> str:
    from sessionlog_git.base.leanjson import dumps  # json.dumps(..., ensure_ascii=False), no re

    if kind == "context":
        payload = {"hookSpecificOutput": {"hookEventName": assistant.native(event),
                                          "additionalContext": text}}
        return dumps(payload)
    if kind == "block":
        if assistant.block_exit:
            return EXIT_BLOCK + text
        return dumps({"decision": "block", "reason": text})
    return text if assistant.compaction_text else ""


def _flat_json(assistant: Assistant, event: str, kind: str, text: str) -> str:
    """Copilot CLI: only a flat `{"additionalContext"}` reaches the model."""
    import json

    if kind == "context":
        return json.dumps({"additionalContext": text}, ensure_ascii=False)
    if kind == "block":
        return json.dumps({"decision": "block", "reason": text}, ensure_ascii=False)
    return ""


def _plain(assistant: Assistant, event: str, kind: str, text: str) -> str:
    """OpenCode's plugin hands our plain stdout to the model (context only: it cannot block)."""
    return text if kind == "context" else ""


def _followup(assistant: Assistant, event: str, kind: str, text: str) -> str:
    """Cursor (documented): `stop` may return `{"followup_message"}`, sent as the next prompt;
    no documented prompt hook adds context, so context prints nothing."""
    import json

    return json.dumps({"followup_message": text}, ensure_ascii=False) if kind == "block" else ""


def _person(assistant: Assistant, event: str, kind: str, text: str) -> str:
    """Windsurf (documented): no hook output reaches the model; with `show_output` the person
    sees it, so only the end-of-response request to log is printed, as plain text."""
    return text if kind == "block" else ""


FORMATTERS: Mapping[str, Callable[[Assistant, str, str, str], str]] = {
    "hook-json": _hook_json,
    "flat-json": _flat_json,
    "plain": _plain,
    "followup": _followup,
    "person": _person,
}

ASSISTANTS: Mapping[str, Assistant] = {
    "claude": Assistant(
        "claude", label="claude-code", title="Claude Code", aliases=(),
        shell_marker="CLAUDECODE", project_env="CLAUDE_PROJECT_DIR",
        events=(
            ("session-start", "SessionStart", 15),
            ("user-prompt-submit", "UserPromptSubmit", 10),
            ("stop", "Stop", 15),
            ("pre-compact", "PreCompact", 10),
            ("session-end", "SessionEnd", 15),
            ("post-tool-use", "PostToolUse", 5),
            ("pre-tool-use", "PreToolUse", 5),
        ),
        # The context of a file arrives after its Read, before the model writes the edit;
        # PreToolUse on an edit is the fallback for a file edited unread (seen after it ran).
        matchers={"post-tool-use": "Read", "pre-tool-use": "Edit|Write|MultiEdit"},
        unit="s", settings=".claude/settings.json", instructions="CLAUDE.md",
        folders=(".claude/agents", ".claude"), compaction_text=True, block_exit=True,
        extra_files=(
            (".claude/agents/session-logger.md", "agents/session-logger.md"),
            (".claude/agents/workspace-sync.md", "agents/workspace-sync.md"),
        ),
    ),
    "codex": Assistant(
        "codex", label="codex", title="Codex CLI", aliases=("codex-cli",),
        shell_marker="CODEX_THREAD_ID", project_env="",
        events=(
            ("session-start", "SessionStart", 15),
            ("user-prompt-submit", "UserPromptSubmit", 10),
            ("stop", "Stop", 15),
            ("pre-compact", "PreCompact", 0),
            ("session-end", "SessionEnd", 3),
            ("pre-tool-use", "PreToolUse", 5),
        ),
        # apply_patch (paths in tool_input.command) matches this; its context arrives next
        # to the tool output
        matchers={"pre-tool-use": "Edit|Write|MultiEdit"},
        unit="s", settings=".codex/hooks.json", instructions="AGENTS.md",
        folders=(".codex",), trust="codex",
    ),
    "gemini": Assistant(
        "gemini", label="gemini", title="Gemini CLI", aliases=("gemini-cli",),
        shell_marker="GEMINI_CLI", project_env="GEMINI_PROJECT_DIR",
        events=(
            ("session-start", "SessionStart", 15000),
            ("user-prompt-submit", "BeforeAgent", 10000),
            ("stop", "AfterAgent", 15000),
            ("pre-compact", "PreCompress", 0),
            ("session-end", "SessionEnd", 15000),
            # AfterTool context is appended to the tool result; BeforeTool's is ignored
            ("post-tool-use", "AfterTool", 5000),
        ),
        matchers={"post-tool-use": "read_file|read_many_files|replace|write_file"},
        unit="ms", settings=".gemini/settings.json", instructions="GEMINI.md",
        config_fields=frozenset({"enabled", "disabled", "notifications"}),
        folders=(".gemini",), trust="gemini",
    ),
    "copilot": Assistant(
        "copilot", label="copilot", title="Copilot CLI", aliases=("copilot-cli", "github-copilot"),
        shell_marker="COPILOT_CLI", project_env="COPILOT_PROJECT_DIR",
        events=(
            ("session-start", "sessionStart", 15),
            ("user-prompt-submit", "userPromptSubmitted", 10),
            ("stop", "agentStop", 15),
            ("pre-compact", "preCompact", 0),
            ("session-end", "sessionEnd", 15),
            # flat file, no matcher: every tool; the payload's toolArgs name the file
            ("post-tool-use", "postToolUse", 5),
        ),
        unit="s", settings=".github/hooks/sessionlog.json",
        instructions=".github/copilot-instructions.md",
        folders=(".github/hooks", ".github"), output="flat-json", trust="copilot",
        handler={"type": "command", "bash": "{command}", "timeoutSec": "{timeout}"},
        header={"version": 1},
    ),
    "qwen": Assistant(
        "qwen", label="qwen", title="Qwen Code", aliases=("qwen-code",),
        shell_marker="QWEN_CODE", project_env="QWEN_PROJECT_DIR",
        events=(
            ("session-start", "SessionStart", 15),
            ("user-prompt-submit", "UserPromptSubmit", 10),
            ("stop", "Stop", 15),
            ("pre-compact", "PreCompact", 0),
            ("session-end", "SessionEnd", 15),
            # PostToolUse context reaches the model; PreToolUse's does not
            ("post-tool-use", "PostToolUse", 5),
        ),
        matchers={"post-tool-use": "read_file|read_many_files|edit|write_file"},
        unit="s", settings=".qwen/settings.json", instructions="QWEN.md", folders=(".qwen",),
        header={"$version": 4},  # else Qwen Code 0.24 adds it, a change in the work tree
    ),
    "opencode": Assistant(
        "opencode", label="opencode", title="OpenCode", aliases=("opencode-ai",),
        shell_marker="OPENCODE", project_env="",
        # The plugin calls `sessionlog hook` itself: no hooks file, no timeouts.
        events=(
            ("session-start", "session-start", 0),
            ("user-prompt-submit", "chat.message", 0),
        ),
        unit="s", settings="", instructions="",
        extra_files=((".opencode/plugins/sessionlog.js", "opencode/sessionlog.js"),),
        folders=(".opencode/plugins", ".opencode"), output="plain",
    ),
    "cursor": Assistant(
        "cursor", label="cursor", title="Cursor", aliases=("cursor-agent",),
        shell_marker="CURSOR_AGENT", project_env="",
        events=(
            ("user-prompt-submit", "beforeSubmitPrompt", 10),
            ("stop", "stop", 15),
        ),
        unit="s", settings=".cursor/hooks.json", instructions="",
        extra_files=((".cursor/rules/sessionlog.mdc", "cursor/sessionlog.mdc"),),
        folders=(".cursor/rules", ".cursor"), output="followup",
        handler={"command": "{command}"}, header={"version": 1},
        silence={"user-prompt-submit": '{"continue": true}'},
    ),
    "windsurf": Assistant(
        "windsurf", label="windsurf", title="Windsurf", aliases=("cascade", "windsurf-cascade"),
        shell_marker="", project_env="",
        events=(
            ("user-prompt-submit", "pre_user_prompt", 10),
            ("stop", "post_cascade_response", 15),
        ),
        unit="s", settings=".windsurf/hooks.json", instructions="",
        extra_files=((".windsurf/rules/sessionlog.md", "windsurf/sessionlog.md"),),
        folders=(".windsurf/rules", ".windsurf"), output="person",
        handler={"command": "{command}", "show_output": True},
    ),
}


def get(name: str) -> Assistant | None:
    """The row for `--agent NAME` (case and spaces ignored; "" is the default)."""
    return ASSISTANTS.get(name.strip().lower() or DEFAULT)


def our_event(word: str) -> str:
    """Our event for a word after `sessionlog hook`: ours, or a CLI's own name in kebab case
    (`before-agent --agent gemini` is `user-prompt-submit`); unknown words come back as is."""
    if word in EVENTS:
        return word
    for assistant in ASSISTANTS.values():
        for ours, native, _ in assistant.events:
            if word == _kebab(native):
                return ours
    return word


def _kebab(name: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")


def agent_label(name: str) -> str:
    """The label recorded for an assistant name given by a person (`codex-cli` -> `codex`)."""
    key = name.strip().lower()
    for assistant in ASSISTANTS.values():
        if key in (assistant.name, assistant.label, *assistant.aliases):
            return assistant.label
    return key


def detected_agent(environ: Mapping[str, str] | None = None) -> str:
    """The label of the assistant whose shell runs this process, from its marker; "" if none."""
    env = os.environ if environ is None else environ
    for assistant in ASSISTANTS.values():
        if env.get(assistant.shell_marker, "").strip() not in ("", "0"):
            return assistant.label
    return ""
