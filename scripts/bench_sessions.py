"""What the hooks cost a session, measured with the real CLIs against the loopback stubs.

For each CLI (Claude Code, Codex CLI, Gemini CLI) and each scripted session (a diligent model
that edits a file every prompt and logs whenever a hook reminds it; a read-only Q&A session
that edits nothing; a model that edits every prompt and never logs, not even when Stop asks),
over 12 prompts 3 minutes apart (all within one 45-minute gap) and 20 prompts 5 minutes apart
(100 minutes: more than two gaps), it reports:

* Stop blocks: how often the Stop hook asked before letting the model finish;
* extra model turns: the model requests a hook caused (answering a Stop block, and the tool
  round trip that follows it);
* hook characters: the characters of hook text that reached the model, counted once per
  distinct text in the requests the stub received (a text the CLI sends twice counts twice);
* entries: the log entries the session wrote.

The minutes are simulated: each prompt runs with SESSIONLOG_NOW moved on, and the model's
edits are stamped with that time (`touch -d`), so the hooks see the session's pace without
the benchmark waiting for it. Each CLI runs one session, a process per prompt: `claude -p`
then `--continue`, `codex exec` then `codex exec resume --last`, `gemini -p` then
`--resume latest`.

    python scripts/bench_sessions.py            # 12 and 20 prompts, all three CLIs
    python scripts/bench_sessions.py --quick    # 3 prompts (the test suite's smoke run)
    python scripts/bench.py --sessions          # the same, from the benchmark driver

The CLIs come from the test suite's npm cache (tests/e2e); without npm a CLI is skipped.
No budget is asserted here: the figures go to README with this command.
"""
from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e import scenario as sc  # noqa: E402
from tests.e2e.conftest import init_git_repo  # noqa: E402

PY = sys.executable
# Where each hook's text starts (every text the hooks print begins "sessionlog:").
HOOK_MARKERS = ("sessionlog: this repository keeps", "with no log entry", "still no log entry",
                "sessionlog: files changed", "sessionlog: session resumed",
                "sessionlog: .sessionlog.yaml")
REMINDED = ("with no log entry", "still no log entry", "sessionlog: files changed")
STOPPED = "sessionlog: files changed"
TOOL_RESULT_KEYS = ('"tool_result"', '"function_call_output"', '"functionResponse"')
MODEL_ROLES = ("assistant", "model")


def _items(body: dict[str, Any]) -> list[Any]:
    for key in ("messages", "input", "contents"):
        value = body.get(key)
        if isinstance(value, list):
            return value
    return []


def tail(body: dict[str, Any]) -> list[Any]:
    """What the model has not answered yet: the items after its last own item."""
    items = _items(body)
    last = -1
    for i, item in enumerate(items):
        if isinstance(item, dict) and (item.get("role") in MODEL_ROLES
                                       or item.get("type") in ("function_call", "reasoning")):
            last = i
    return items[last + 1:]


def hook_texts(body: dict[str, Any]) -> list[str]:
    """The hook texts in a request: the paragraphs that carry one (a CLI may merge a hook's
    text with its own notes into one string; a hook text holds no blank line)."""
    return [part for leaf in _leaves(body) if "sessionlog:begin" not in leaf
            for part in leaf.split("\n\n") if any(m in part for m in HOOK_MARKERS)]


def _leaves(body: Any) -> list[str]:
    if isinstance(body, str):
        return [body]
    if isinstance(body, dict):
        return [s for v in body.values() for s in _leaves(v)]
    if isinstance(body, list):
        return [s for v in body for s in _leaves(v)]
    return []


class Model:
    """The scripted model: decides a reply from what it has not answered yet."""

    def __init__(self, diligent: bool, log_prefix: str, tool: Callable[[str], Any],
                 text: Callable[[str], Any], logs: bool = True) -> None:
        self.diligent = diligent
        self.logs = logs  # False: edits every prompt but never logs, not even when asked
        self.log_prefix = log_prefix
        self.tool = tool
        self.text = text
        self.step = 0
        self.stop_blocks = 0
        self.extra_turns = 0
        self.entries = 0
        self._in_block = False
        self.at = 0  # the simulated clock of the current prompt (POSIX seconds)

    def reply(self, body: dict[str, Any]) -> Any:
        pending = tail(body)
        raw = json.dumps(pending)
        text = sc.strings(pending)
        if any(key in raw for key in TOOL_RESULT_KEYS):
            if self._in_block:
                self.extra_turns += 1
                self._in_block = False
            return self.text("done")
        if STOPPED in text and "Step " not in text:
            self.stop_blocks += 1
            self.extra_turns += 1
            if not self.diligent or not self.logs:
                return self.text("Nothing worth logging: done.")
            self._in_block = True
            return self.tool(self._log())
        if "Step " not in text:
            return self.text("done")
        if not self.diligent:
            return self.text("The answer, read from the code.")
        name = f"module_{self.step % 3}.py"  # stamped with the simulated clock, as the hooks read it
        edit = f"echo 'VALUE_{self.step} = {self.step}' >> {name} && touch -d @{self.at} {name}"
        self.step += 1
        if self.logs and any(m in text for m in REMINDED):
            return self.tool(f"{edit} && {self._log()}")
        return self.tool(edit)

    def _log(self) -> str:
        self.entries += 1
        return (f"{self.log_prefix} log --agent {{label}} "
                + shlex.join([f"Step {self.step} done", "Decision: keep values per module, "
                              "because each module owns its settings"]))


MINUTES = {12: 3, 20: 5}  # simulated minutes per prompt: 12 within one gap, 20 over two


def _clock(model: Model, start: float, prompts: int, i: int) -> dict[str, str]:
    """The environment of prompt `i`: SESSIONLOG_NOW moves on by MINUTES per prompt."""
    from datetime import datetime

    model.at = int(start + i * 60 * MINUTES.get(prompts, 3))
    at = datetime.fromtimestamp(model.at).astimezone()
    return {"SESSIONLOG_USER": sc.USER, "SESSIONLOG_NOW": at.isoformat()}


def _set_up(top: Path, agent: str) -> None:
    init_git_repo(top)
    sc.set_up(top, agent)


def distinct_hook_texts(requests: list[dict[str, Any]]) -> list[str]:
    """Each hook text the model received, once, in the order it first arrived."""
    seen: list[str] = []
    for body in requests:
        for leaf in hook_texts(body):
            if leaf not in seen:
                seen.append(leaf)
    return seen


KINDS = ("diligent", "read-only", "never logs")


def _model(kind: str, tool: Callable[[str], Any], text: Callable[[str], Any]) -> Model:
    return Model(kind != "read-only", f"{shlex.quote(PY)} -m sessionlog_git", tool, text,
                 logs=kind == "diligent")


def run_claude(work: Path, prompts: int, kind: str) -> dict[str, Any] | None:
    from tests.e2e.anthropic_stub import AnthropicStub, bash_reply, text_reply
    from tests.e2e.claude_cli import ClaudeProject, ensure_claude_cli

    cli = ensure_claude_cli()
    if cli is None:
        return None
    top = work / "project"
    _set_up(top, "claude")
    model = _model(kind, lambda c: bash_reply(c.replace("{label}", "claude-code")), text_reply)
    with AnthropicStub(responder=lambda body, _i: model.reply(body)) as stub:
        project = ClaudeProject(cli, top, work / "home", stub.base_url)
        start = time.time()
        for i in range(prompts):
            args = ("--continue",) if i else ()
            project.run(f"Step {i + 1}: {'explain' if kind == 'read-only' else 'change'} the settings",
                        *args, env=_clock(model, start, prompts, i), timeout=180)
        bodies = [r.body for r in stub.main_requests()]
    return _result(model, bodies, top)


def _run_scripted(work: Path, prompts: int, kind: str, agent: str) -> dict[str, Any] | None:
    from tests.e2e.agent_clis import CodexRun, GeminiRun, ensure_codex, ensure_gemini
    from tests.e2e.loopback import text_reply

    if agent == "codex":
        from tests.e2e.openai_stub import OpenAIStub as Stub
        from tests.e2e.openai_stub import exec_reply as tool
        cli = ensure_codex()
    else:
        from tests.e2e.gemini_stub import GeminiStub as Stub  # type: ignore[assignment]
        from tests.e2e.gemini_stub import shell_reply as tool
        cli = ensure_gemini()
    if cli is None:
        return None
    top = work / "project"
    _set_up(top, agent)
    model = _model(kind, lambda c: tool(c.replace("{label}", agent)), text_reply)
    with Stub() as stub:
        runner = (CodexRun if agent == "codex" else GeminiRun)(cli, top, work / "home",
                                                               stub.base_url)
        stub.next_reply = model.reply  # type: ignore[method-assign]
        start = time.time()
        for i in range(prompts):
            _resume_run(runner, agent, f"Step {i + 1}: "
                        f"{'explain' if kind == 'read-only' else 'change'} the settings", resume=i > 0,
                        env=_clock(model, start, prompts, i))
        bodies = [r.body for r in stub.turns() if isinstance(r.body, dict)]
    return _result(model, bodies, top)


def _resume_run(runner: Any, agent: str, prompt: str, resume: bool, env: dict[str, str]) -> None:
    """One prompt; after the first, resuming the same session (`codex exec resume --last`,
    `gemini --resume latest`), so the session is one, as Claude Code's `--continue` is."""
    from tests.e2e.agent_clis import GEMINI_MODEL, STUB_KEY, offline_env
    from tests.e2e.npm_cli import run_in_group

    runner.prepare()
    if agent == "codex":
        env = offline_env(runner.home, runner.home.parent / "codex.tmp", {
            "CODEX_HOME": str(runner.codex_home), "STUB_API_KEY": STUB_KEY, **env})
        args = [str(runner.cli), "exec", "--dangerously-bypass-approvals-and-sandbox",
                "--dangerously-bypass-hook-trust", "--skip-git-repo-check"]
        args += ["resume", "--last", prompt] if resume else [prompt]
    else:
        env = offline_env(runner.home, runner.home.parent / "gemini.tmp", {
            "GEMINI_API_KEY": STUB_KEY, "GOOGLE_GEMINI_BASE_URL": runner.base_url,
            "GEMINI_CLI_NO_RELAUNCH": "true", **env})
        args = [str(runner.cli), "-p", prompt, "--yolo", "-m", GEMINI_MODEL]
        args += ["--resume", "latest"] if resume else []
    proc = run_in_group(args, runner.project, env, 180)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} exited {proc.returncode}: {proc.stderr[-2000:]}")


def _result(model: Model, bodies: list[dict[str, Any]], top: Path) -> dict[str, Any]:
    text = "".join(p.read_text() for p in sorted((top / ".git/sessionlog/pending").rglob("*.md")))
    return {
        "stop_blocks": model.stop_blocks,
        "extra_turns": model.extra_turns,
        "hook_chars": sum(len(t) for t in distinct_hook_texts(bodies)),
        "requests": len(bodies),
        "entries": text.count("\n## ") - text.count("Automatic entry"),
        "auto_entries": text.count("Automatic entry"),
        "sessions": len(list((top / ".git/sessionlog/sessions").glob("*.json"))),
        "texts": distinct_hook_texts(bodies),
    }


RUNNERS: dict[str, Callable[[Path, int, str], dict[str, Any] | None]] = {
    "claude": run_claude,
    "codex": lambda w, n, d: _run_scripted(w, n, d, "codex"),
    "gemini": lambda w, n, d: _run_scripted(w, n, d, "gemini"),
}


def measure(clis: list[str], lengths: list[int]) -> list[dict[str, Any]]:
    rows = []
    for cli in clis:
        for kind in KINDS:
            for prompts in lengths:
                work = Path(tempfile.mkdtemp(prefix=f"sessionlog-bench-{cli}-"))
                try:
                    result = RUNNERS[cli](work, prompts, kind)
                finally:
                    shutil.rmtree(work, ignore_errors=True)
                if result is None:
                    print(f"{cli}: not installed (no npm), skipped", file=sys.stderr)
                    break
                result.pop("texts")
                rows.append({"cli": cli, "session": kind,
                             "prompts": prompts, **result})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| CLI | session | prompts | Stop blocks | extra model turns | hook chars | "
            "entries | automatic entries | requests |")
    lines = [head, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['cli']} | {r['session']} | {r['prompts']} | {r['stop_blocks']} | "
                     f"{r['extra_turns']} | {r['hook_chars']:,} | {r['entries']} | "
                     f"{r['auto_entries']} | {r['requests']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 prompts per session")
    parser.add_argument("--cli", action="append", choices=sorted(RUNNERS),
                        help="only this CLI (repeatable)")
    parser.add_argument("--prompts", type=int, action="append", help="session length(s)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    lengths = args.prompts or ([3] if args.quick else [12, 20])
    rows = measure(args.cli or list(RUNNERS), lengths)
    print(json.dumps(rows) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
