"""The shape of the package, read from its source: layers, no cycles, the stdlib-safe hook
path, and one of each thing.

These tests read the code (with `ast`), run nothing of it, and name the file and line of
whatever breaks a rule, so a change that reaches back up a layer, or writes a second git
runner, fails here with the place to fix.
"""
from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "sessionlog_git"

# The allowed directions, written once: a module may import from its own group and from
# the groups on lines above it, never from a line below. Groups on the same line are
# siblings and do not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("constants", "errors", "__init__", "version"),
    ("base",),
    ("config", "gitops"),
    ("workspace",),
    ("logs",),
    ("pipeline",),
    ("agents", "setup", "insight"),
    ("setup_flow",),  # init and uninstall, both sides (git and assistants) put together
    ("mcp",),  # the MCP server (sessionlog mcp); commands.mcp starts it
    ("commands",),
    ("main",),
    ("__main__", "gitentry"),  # the entries: `python -m sessionlog_git`, the git hooks' `-c`
)

# The subpackages (and top-level modules) that the per-prompt hook may import: at module
# level they import only the standard library and each other. Heavy libraries load inside
# functions, off the prompt path.
STDLIB_SAFE = ("constants", "errors", "version", "__init__", "base", "logs", "agents", "config")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted, without the package prefix
    target: str  # the imported module, dotted, without the package prefix ("" = the package)
    line: int
    top_level: bool  # at module level, outside `if TYPE_CHECKING:`


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" and len(rel.parts) > 1 else rel.parts
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """`sessionlog_git.logs.layout` -> `logs.layout`; a name inside a module -> that module."""
    if name == "sessionlog_git":
        return "__init__"
    if not name.startswith("sessionlog_git."):
        return None
    dotted = name[len("sessionlog_git.") :]
    while dotted and dotted not in MODULES:
        dotted = dotted.rpartition(".")[0]
    return dotted or "__init__"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))

    def visit(node: ast.AST, top: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.body:
                    yield from visit_one(sub, False)
                for sub in child.orelse:
                    yield from visit_one(sub, top)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from visit(child, False)
            else:
                yield from visit_one(child, top)

    def visit_one(node: ast.AST, top: bool) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from emit(alias.name, node.lineno, top)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            for alias in node.names:
                # `from sessionlog_git.logs import layout` imports the module logs.layout
                full = f"{node.module}.{alias.name}"
                target = full if _resolve(full) == full[len("sessionlog_git.") :] else node.module
                yield from emit(target, node.lineno, top)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from visit(node, False)
        else:
            yield from visit(node, top)

    def emit(name: str, line: int, top: bool) -> Iterator[Import]:
        if name.split(".")[0] == "sessionlog_git":
            target = _resolve(name)
            if target is not None:
                yield Import(module, target, line, top)
        else:
            yield Import(module, "!" + name, line, top)  # "!": outside the package

    yield from visit(tree, True)


IMPORTS = [imp for module, path in MODULES.items() for imp in _imports(module, path)]


def _group(module: str) -> str:
    return module.split(".")[0]


def _layer(module: str) -> int:
    group = _group(module)
    for i, line in enumerate(LAYERS):
        if group in line:
            return i
    raise AssertionError(f"{MODULES[module]}: module {module!r} is in no layer. Fix: add its "
                         "group to LAYERS in tests/test_architecture.py")


def _where(imp: Import) -> str:
    return f"{MODULES[imp.source].relative_to(ROOT)}:{imp.line}"


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        _layer(module)


def test_layers_import_only_downward() -> None:
    wrong = []
    for imp in IMPORTS:
        if imp.target.startswith("!") or imp.target == imp.source:
            continue
        source, target = _layer(imp.source), _layer(imp.target)
        same_group = _group(imp.source) == _group(imp.target)
        if target > source or (target == source and not same_group):
            wrong.append(f"{_where(imp)}: {imp.source} imports {imp.target}")
    assert not wrong, "imports that reach up or sideways:\n" + "\n".join(wrong)


def test_no_import_cycles_lazy_and_type_checking_imports_included() -> None:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in IMPORTS:
        if not imp.target.startswith("!") and imp.target != imp.source:
            graph[imp.source].add(imp.target)
    # Tarjan's strongly connected components: any of more than one module is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def strongconnect(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                strongconnect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    assert not cycles, f"import cycles: {cycles}"


def _stdlib(name: str) -> bool:
    return name.split(".")[0] in sys.stdlib_module_names or name == "__future__"


def _safe(module: str) -> bool:
    return _group(module) in STDLIB_SAFE or module in STDLIB_SAFE


def test_stdlib_safe_subpackages_import_only_the_standard_library_at_module_level() -> None:
    wrong = []
    for imp in IMPORTS:
        if not imp.top_level or not _safe(imp.source):
            continue
        if imp.target.startswith("!"):
            if not _stdlib(imp.target[1:]):
                wrong.append(f"{_where(imp)}: {imp.target[1:]} (not the standard library)")
        elif not _safe(imp.target):
            wrong.append(f"{_where(imp)}: {imp.target} (not a stdlib-safe subpackage)")
    assert not wrong, ("modules the per-prompt hook may load import these at module level "
                       "(move the import into the function that needs it):\n" + "\n".join(wrong))


# --------------------------------------------------------------------------- one of each


def _uses(pattern: str) -> dict[str, list[int]]:
    """Modules whose code (comments and docstrings aside) matches `pattern`, with lines."""
    rx = re.compile(pattern)
    out: dict[str, list[int]] = {}
    for module, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        strings = {
            n
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)
        }
        for n, line in enumerate(text.splitlines(), 1):
            code = line.split("#", 1)[0]
            if n not in strings and rx.search(code):
                out.setdefault(module, []).append(n)
    return out


def _only(pattern: str, allowed: set[str], what: str) -> None:
    found = _uses(pattern)
    extra = {m: lines for m, lines in found.items() if m not in allowed}
    assert not extra, f"{what} outside {sorted(allowed)}: " + ", ".join(
        f"{MODULES[m].relative_to(ROOT)}:{lines[0]}" for m, lines in sorted(extra.items()))


def test_one_git_runner() -> None:
    # Every git process starts in gitops. The other programs we run: `gh` (the login, in
    # identity), `pre-commit install` (setup), the config's real parser in a child process
    # (agents.configcheck: the hooks may not import it), and the `rm` that removes a backlog's
    # trimmed temp logs after the run (base.trash).
    _only(r"\bsubprocess\b", {"gitops", "base.identity", "setup.framework", "setup.install",
                              "agents.configcheck", "setup.launcher", "base.trash"},
          "a subprocess")


def test_one_error_boundary() -> None:
    """Only errors.boundary turns any exception into a message or a log line: elsewhere an
    `except BaseException` re-raises (cleanup), and no traceback is printed."""
    _only(r"\btraceback\b", {"errors"}, "a traceback printed")
    swallowed = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Name)
                    and node.type.id == "BaseException" and module != "errors"
                    and not any(isinstance(n, ast.Raise) for n in ast.walk(node))):
                swallowed.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not swallowed, f"`except BaseException` that does not re-raise: {swallowed}"


def test_one_walker_of_the_log_trees() -> None:
    # layout walks the pending and archive trees; agents.scan walks the work tree for
    # changed files (a different tree, bounded by design).
    # Named exceptions, each a different tree or a reason: agents.session prunes the
    # per-session state files; pipeline.idle answers an idle commit from a few stat calls
    # before anything is imported (the walker's imports would cost every commit ~4 ms);
    # logs.redaction_store prunes its private store of redacted originals; base.safeio refuses
    # links on the way down the logs folder (lstat, nothing read); pipeline.journal removes the
    # temporary files of its own killed writes; base.statemove moves an old in-tree state
    # folder into the git directory, file by file; base.trash lists the state folder's
    # `trimmed/` (the folders of files moved aside, to remove).
    _only(r"os\.scandir|\.iterdir\(|os\.listdir|\.rglob\(|os\.walk\(",
          {"logs.layout", "agents.scan", "agents.plugin", "agents.session", "pipeline.idle",
           "logs.redaction_store", "base.safeio", "pipeline.journal", "base.statemove",
           "base.trash"},
          "a directory listing")


def test_config_defaults_spelled_once() -> None:
    _only(r"[\"']\.sessionlog/pending[\"']|gap_minutes[\"']?\s*[:=,]\s*45\b|or [\"']logs[\"']",
          {"constants"}, "a config default")


def test_one_hash_helper() -> None:
    _only(r"hashlib\.", {"base.text"}, "a hash")


def test_one_registry_of_the_assistants() -> None:
    # The variables each CLI sets, its settings files and event names live in one table.
    _only(r"CLAUDE_PROJECT_DIR|GEMINI_PROJECT_DIR|CODEX_THREAD_ID|\.gemini/settings\.json|"
          r"\.codex/hooks\.json|[\"']BeforeAgent[\"']",
          {"agents.registry"}, "a fact about one assistant")


def test_one_tokeniser() -> None:
    _only(r"_STOP\b|STOP_WORDS\s*=|frozenset\(\s*\"?(?:the|a|an)\b", {"base.text"}, "a stop-word list")


def test_one_repo_top_finder() -> None:
    # The finder walks up from a start folder: `dirname` in a loop, or pathlib's `.parents`.
    _only(r"show-toplevel|os\.path\.dirname\(here\)|\.parents\b.*\.git", {"base.repo"},
          "a search for the repository top")
