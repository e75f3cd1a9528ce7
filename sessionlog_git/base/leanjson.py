"""`json.loads` and `json.dumps(..., ensure_ascii=False)` for the paths that run on every prompt.

`import json` costs the per-prompt hook its `re` import (json.decoder and json.encoder compile
patterns at import), a few milliseconds of an interpreter start that is itself about ten.
The C accelerator behind `json` (`_json`) needs none of that: its scanner parses a document and
its string encoder quotes a string exactly as `json` does. This module uses them directly and
falls back to `json` for anything it does not cover (another interpreter, other value types),
so the results are `json`'s own; tests/test_leanjson.py compares the two.
"""
from __future__ import annotations

TYPE_CHECKING = False  # typing costs the hooks an import; mypy reads the block below anyway
if TYPE_CHECKING:
    from typing import Any

try:
    import _json
except ImportError:  # another interpreter: json itself
    _json = None  # type: ignore[assignment]

_WHITESPACE = " \t\n\r"  # json.decoder.WHITESPACE


class _Context:
    """What `_json.make_scanner` reads from a `json.JSONDecoder()` with default arguments."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


_scan = getattr(_json, "make_scanner", None)
_scanner = _scan(_Context()) if _scan is not None else None
_quote = getattr(_json, "encode_basestring", None)


def loads(text: str) -> Any:
    """As `json.loads(text)` for a str; raises ValueError (as json.JSONDecodeError is) when it is
    not one JSON document."""
    if _scanner is None:
        import json

        return json.loads(text)
    body = text.strip(_WHITESPACE)
    try:
        value, end = _scanner(body, 0)
    except StopIteration as exc:
        raise ValueError(f"Expecting value: char {exc.value}") from None
    if end != len(body):
        raise ValueError(f"Extra data: char {end}")
    return value


def dumps(value: Any) -> str:
    """As `json.dumps(value, ensure_ascii=False)` (the default separators)."""
    if _quote is not None:
        out = _encode(value)
        if out is not None:
            return out
    import json

    return json.dumps(value, ensure_ascii=False)


def _encode(value: Any) -> str | None:
    """Strings, finite numbers, booleans, None, and lists and dicts (str keys) of them, nested;
    None for anything else (json decides)."""
    if type(value) is str:
        return str(_quote(value))  # type: ignore[misc]
    if value is None or value is True or value is False:
        return {None: "null", True: "true", False: "false"}[value]
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is float:
        finite = value == value and value not in (float("inf"), float("-inf"))
        return float.__repr__(value) if finite else None
    if type(value) is list:
        items = [_encode(item) for item in value]
        if any(item is None for item in items):
            return None
        return "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
    if type(value) is dict:
        parts = []
        for key, item in value.items():
            inner = _encode(item)
            if type(key) is not str or inner is None:
                return None
            parts.append(f"{_quote(key)}: {inner}")  # type: ignore[misc]
        return "{" + ", ".join(parts) + "}"
    return None
