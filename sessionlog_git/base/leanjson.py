"""`json.loads` and `json.dumps` for the paths that run on every prompt and every tool call.

`import json` costs the per-prompt hook its `re` import (json.decoder and json.encoder compile
patterns at import), a few milliseconds of an interpreter start that is itself about ten.
The C accelerator behind `json` (`_json`) needs none of that: its scanner parses a document and
its encoder writes one exactly as `json` does (it is what `json.dumps` runs). This module uses
them directly and falls back to `json` for anything they do not cover (another interpreter,
other value types), so the results are `json`'s own; tests/test_leanjson.py compares the two.
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
    except ValueError:
        raise
    except Exception:  # _json reports an error inside a document through
        # json.decoder.JSONDecodeError, which it looks up in sys.modules without importing it:
        # with json not loaded it fails with SystemError. json itself raises the real error.
        import json

        return json.loads(text)
    if end != len(body):
        raise ValueError(f"Extra data: char {end}")
    return value


class _Other(Exception):
    """A value the C encoder was not given a way to write: json itself decides (and raises)."""


def _other(value: Any) -> Any:
    raise _Other


def dumps(value: Any, *, ensure_ascii: bool = False, sort_keys: bool = False) -> str:
    """As `json.dumps(value, ensure_ascii=..., sort_keys=...)` (the default separators), by the
    C encoder that `json.dumps` itself uses for that call (`_json.make_encoder`), so the text is
    json's own; anything it cannot write (another type, another interpreter) goes to json."""
    make = getattr(_json, "make_encoder", None)
    quote = getattr(_json, "encode_basestring_ascii" if ensure_ascii else "encode_basestring", None)
    if make is not None and quote is not None:
        try:
            # As json.encoder.JSONEncoder.iterencode with one shot and no indent: circular
            # checks on, `default` raising, ", " and ": ", NaN allowed, no keys skipped.
            encode = make({}, _other, quote, None, ": ", ", ", sort_keys, False, True)
            return "".join(encode(value, 0))
        except (_Other, TypeError):  # TypeError: another make_encoder signature, or sort_keys
            pass                     # over mixed keys (json raises it again below)
    import json

    return json.dumps(value, ensure_ascii=ensure_ascii, sort_keys=sort_keys)
