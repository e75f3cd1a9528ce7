"""Text helpers and the one tokeniser: every module that flattens, clips, hashes or splits
text into words uses these, so two views of one entry can never disagree about it.

* `one_line` folds any whitespace run (newlines included) into one space.
* `clip` shortens to at most `limit` characters, ending with the marker when it cut.
* `lazy_pattern` is a regular expression compiled on first use (and kept).
* `sha256_hex` is the one hash helper (content ids, caches, the ledger, assets); `sha256_hexes`
  hashes many small texts with it.
* `words` is the one tokeniser: the lower-cased words of a text, longer than two
  characters, without the stop words. Blocker matching (views), recurring-blocker grouping
  (reports) and `why` ranking all use it; `identifiers=True` also splits snake_case and
  camelCase names into their parts (what `why` needs to match code against prose).

Stdlib-only and import-free at load time (`re` and the hash load on first use), so the
per-prompt hook may import it.
"""
from __future__ import annotations

TYPE_CHECKING = False  # typing costs the hook an import; mypy reads the block below anyway
if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Iterable
    from functools import partial
    from typing import Any

STOP_WORDS = frozenset(
    (
        "the and for with not yet but now has have had are was were been this that from into "
        "onto our its can cannot will still until on off out any all again"
    ).split()
)
# Words that say nothing about *which* code a line of prose is about.
CODE_STOP_WORDS = STOP_WORDS | frozenset(
    (
        "use used using because since when then than over under via per one two add added fix "
        "fixed make made new old get set return true false none self def import class print"
    ).split()
)

_compiled: dict[str, re.Pattern[str]] = {}
_PROSE_WORD = r"[a-z0-9][a-z0-9_.-]*"  # keeps `foo.py`, `v1.2`, `pre-commit` whole
_CODE_WORD = r"[A-Za-z0-9_]+"
_CAMEL_PART = r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])"


def _pattern(source: str) -> re.Pattern[str]:
    found = _compiled.get(source)
    if found is None:
        import re

        found = _compiled[source] = re.compile(source)
    return found


def lazy_pattern(source: str) -> partial[re.Pattern[str]]:
    """`re.compile(source)`, made on the first call of what this returns and kept: a module
    whose patterns most runs never reach (a commit's prose and the secret scanner's checks)
    compiles none of them at import. (`.args[0]` is the source: `compiled` says whether it
    was made.)"""
    from functools import partial

    return partial(_pattern, source)


def compiled(source: str) -> bool:
    """Whether `_pattern` (through `lazy_pattern` or this module's own) compiled `source`."""
    return source in _compiled


def one_line(text: str) -> str:
    """`text` with every whitespace run (newlines included) folded into one space."""
    # Most text has nothing to fold: told without splitting it into words (a backlog's views
    # fold tens of thousands). Every whitespace character but the space is unprintable.
    if "  " not in text and text.isprintable() and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def clip(text: str, limit: int, marker: str = "…") -> str:
    """`text` if it fits in `limit` characters, else cut to fit with `marker` at the end."""
    if len(text) <= limit:
        return text
    return text[: limit - len(marker)].rstrip() + marker


def sha256_hex(data: bytes | str) -> str:
    """The sha256 of `data` (text is hashed as UTF-8), as 64 hex digits."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    digest: str = _sha256_for(len(raw))(raw).hexdigest()
    return digest


def sha256_hexes(texts: Iterable[str]) -> list[str]:
    """`sha256_hex` of each text, the implementation chosen once for them all (a backlog's
    thousands of small texts)."""
    sha256 = _sha256_for(0)
    return [sha256(text.encode("utf-8")).hexdigest() for text in texts]


def _sha256_for(size: int) -> Callable[[bytes], Any]:
    import sys

    if size >= HASHLIB_FROM or "hashlib" in sys.modules:
        # OpenSSL's (with the CPU's sha instructions): five times the builtin module's speed,
        # worth its import for a large file (a month's master log is a megabyte), free once
        # something else loaded it (a commit that renders a view has, through jinja2)
        from hashlib import sha256
    else:
        try:
            # the builtin module: a tenth of hashlib's import (which loads OpenSSL)
            from _sha256 import sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
        except ImportError:  # Python 3.12+ names it _sha2; hashlib anywhere
            from hashlib import sha256
    return sha256


HASHLIB_FROM = 256 * 1024  # bytes from which sha256_hex loads hashlib if nothing did yet


def words(text: str, *, identifiers: bool = False, stop: frozenset[str] = STOP_WORDS) -> set[str]:
    """The words of `text` (lower-cased, longer than two characters, not in `stop`).

    `identifiers=True` reads code-like text: `snake_case` and `camelCase` names count as
    themselves and as each of their parts.
    """
    if not identifiers:
        return {w for w in _pattern(_PROSE_WORD).findall(text.lower()) if len(w) > 2 and w not in stop}
    out: set[str] = set()
    camel = _pattern(_CAMEL_PART)
    for raw in _pattern(_CODE_WORD).findall(text):
        parts = {raw, *raw.split("_"), *camel.findall(raw)}
        out |= {p.lower() for p in parts if len(p) > 2}
    return out - stop
