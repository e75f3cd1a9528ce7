"""The commit's Markdown templates rendered without importing jinja2.

Every commit with new entries renders the status file and a master log's new days; jinja2's
import is a tenth of that commit's work. The templates stay the one source of the layout:
this reads the same `.j2` files and runs the small part of jinja2's language they use, with
the settings `pipeline.render` gives jinja2 (trim_blocks, lstrip_blocks, the trailing newline
kept, strict undefined):

* text, `{{ expression }}`, `{% for x in expression %}` (with `{% else %}` for an empty
  loop), `{% if expression %}` (with `{% else %}`);
* expressions: names, `a.b` (an attribute, else an item, as jinja2's getattr), string and
  number literals, `==`, `!=`, `not`, `and`, `or`, `x if c else y`, `%`, and the filters
  `length` and `join(sep)`; no comments, no `-`/`+` whitespace control.

A template with anything else is not compiled here (`compiled` gives None) and jinja2
renders it, so a template change never renders differently; tests render the commit's
templates both ways over varied data and compare them byte for byte.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from typing import Any

TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.S)
FOR = re.compile(r"for\s+([A-Za-z_]\w*)\s+in\s+(.+)", re.S)


class Unsupported(Exception):
    """A part of the template this does not run: jinja2 renders it."""


class Undefined(Exception):
    """A name or attribute the context lacks (jinja2's StrictUndefined raises here too)."""


# ("text", str) | ("out", Expr) | ("for", name, Expr, body, else) | ("if", Expr, body, else)
Node = Any
Expr = Callable[[Mapping[str, Any]], Any]


def _lookup(value: Any, name: str) -> Any:
    """jinja2's `value.name`: the attribute, else the item."""
    try:
        return getattr(value, name)
    except AttributeError:
        pass
    try:
        return value[name]
    except (TypeError, LookupError):
        raise Undefined(name) from None


def _name(name: str) -> Expr:
    def get(ctx: Mapping[str, Any]) -> Any:
        try:
            return ctx[name]
        except KeyError:
            raise Undefined(name) from None
    return get


def _expr(node: ast.AST) -> Expr:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float)):
        value = node.value
        return lambda ctx: value
    if isinstance(node, ast.Name):
        if node.id in RESERVED:
            raise Unsupported(node.id)  # jinja2's own names and constants
        return _name(node.id)
    if isinstance(node, ast.Attribute):
        inner, attr = _expr(node.value), node.attr
        return lambda ctx: _lookup(inner(ctx), attr)
    if isinstance(node, ast.IfExp):
        test, body, other = _expr(node.test), _expr(node.body), _expr(node.orelse)
        return lambda ctx: body(ctx) if test(ctx) else other(ctx)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
        left, right = _expr(node.left), _expr(node.comparators[0])
        if isinstance(node.ops[0], ast.Eq):
            return lambda ctx: left(ctx) == right(ctx)
        return lambda ctx: left(ctx) != right(ctx)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        operand = _expr(node.operand)
        return lambda ctx: not operand(ctx)
    if isinstance(node, ast.BoolOp):
        parts = [_expr(v) for v in node.values]
        if isinstance(node.op, ast.And):
            def both(ctx: Mapping[str, Any]) -> Any:
                value: Any = True
                for part in parts:
                    value = part(ctx)
                    if not value:
                        return value
                return value
            return both

        def either(ctx: Mapping[str, Any]) -> Any:
            value: Any = False
            for part in parts:
                value = part(ctx)
                if value:
                    return value
            return value
        return either
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        left, right = _expr(node.left), _expr(node.right)
        return lambda ctx: left(ctx) % right(ctx)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _filter(_expr(node.left), node.right)
    raise Unsupported(ast.dump(node))


def _filter(value: Expr, spec: ast.AST) -> Expr:
    if isinstance(spec, ast.Name) and spec.id == "length":
        return lambda ctx: len(value(ctx))
    if (isinstance(spec, ast.Call) and isinstance(spec.func, ast.Name) and spec.func.id == "join"
            and len(spec.args) == 1 and not spec.keywords and isinstance(spec.args[0], ast.Constant)
            and isinstance(spec.args[0].value, str)):
        sep = spec.args[0].value
        return lambda ctx: sep.join(str(v) for v in value(ctx))
    raise Unsupported(ast.dump(spec))


RESERVED = frozenset(("true", "false", "none", "loop", "range", "self", "caller", "varargs",
                      "kwargs", "namespace", "joiner", "cycler", "lipsum", "dict"))


def _parse_expr(text: str) -> Expr:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise Unsupported(text) from None
    return _expr(tree.body)


def _tokens(source: str) -> list[tuple[str, str]]:
    """(kind, text) with jinja2's whitespace rules applied: lstrip_blocks (the blanks before a
    block tag alone at the start of its line go) and trim_blocks (the newline after a block
    tag goes)."""
    parts = TAG.split(source)
    for i in range(1, len(parts), 2):
        tag = parts[i]
        if tag.startswith("{#"):
            raise Unsupported(tag)
        if tag.startswith("{%"):
            if tag[2:3] in "-+" or tag[-3:-2] == "-":
                raise Unsupported(tag)  # explicit whitespace control
            before = parts[i - 1]
            _, newline, tail = before.rpartition("\n")
            if tail.strip(" \t") == "" and (newline or i == 1):
                parts[i - 1] = before[: len(before) - len(tail)]
    out: list[tuple[str, str]] = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            if i > 0 and parts[i - 1].startswith("{%") and part.startswith("\n"):
                part = part[1:]
            out.append(("text", part))
        elif part.startswith("{{"):
            out.append(("out", part[2:-2]))
        else:
            out.append(("tag", part[2:-2].strip()))
    return out


def _parse(tokens: list[tuple[str, str]], i: int, ends: tuple[str, ...]
           ) -> tuple[list[Node], int, str]:
    """Nodes up to one of `ends` (a block's end or else): (nodes, index after it, the tag)."""
    nodes: list[Node] = []
    while i < len(tokens):
        kind, text = tokens[i]
        i += 1
        if kind == "text":
            if text:
                nodes.append(("text", text))
        elif kind == "out":
            nodes.append(("out", _parse_expr(text)))
        elif text in ends:
            return nodes, i, text
        elif text.startswith("for "):
            match = FOR.fullmatch(text)
            if match is None or " if " in match[2] or " recursive" in match[2]:
                raise Unsupported(text)
            body, i, end = _parse(tokens, i, ("endfor", "else"))
            other: list[Node] = []
            if end == "else":
                other, i, _ = _parse(tokens, i, ("endfor",))
            nodes.append(("for", match[1], _parse_expr(match[2]), body, other))
        elif text.startswith("if "):
            body, i, end = _parse(tokens, i, ("endif", "else"))
            other = []
            if end == "else":
                other, i, _ = _parse(tokens, i, ("endif",))
            nodes.append(("if", _parse_expr(text[3:]), body, other))
        else:
            raise Unsupported(text)
    if ends:
        raise Unsupported(f"missing {ends[0]}")
    return nodes, i, ""


def _run(nodes: list[Node], ctx: dict[str, Any], out: list[str]) -> None:
    for node in nodes:
        kind = node[0]
        if kind == "text":
            out.append(node[1])
        elif kind == "out":
            out.append(str(node[1](ctx)))
        elif kind == "for":
            _, name, items, body, other = node
            inner = dict(ctx)
            ran = False
            for value in items(ctx):
                ran = True
                inner[name] = value
                _run(body, inner, out)
            if not ran:
                _run(other, ctx, out)
        else:
            _, test, body, other = node
            _run(body if test(ctx) else other, ctx, out)


def compile_text(source: str) -> Callable[..., str]:
    """A renderer of `source` (Unsupported when it uses what this does not run)."""
    nodes, _, _ = _parse(_tokens(source), 0, ())

    def render(**context: Any) -> str:
        out: list[str] = []
        _run(nodes, dict(context), out)
        return "".join(out)

    return render


def compiled(source: str) -> Callable[..., str] | None:
    """The renderer of a template's text, or None: jinja2 renders it."""
    try:
        return compile_text(source)
    except Unsupported:
        return None
