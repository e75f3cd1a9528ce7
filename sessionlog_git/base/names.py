"""Names that become path components: user and project."""
from __future__ import annotations

import re

from sessionlog_git.errors import UnsafeName

MAX_NAME = 64
_SAFE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]*\Z")  # \Z: "$" also matches before a final newline
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, fallback: str = "unknown") -> str:
    """Lower-case ASCII slug: 'Ada Lovelace' -> 'ada-lovelace'. Always a safe component."""
    if text.isascii():  # every normalization leaves ASCII as it is: no unicodedata to load
        ascii_text = text.lower()
    else:
        import unicodedata  # here, not at the top: the per-prompt hook rarely needs a slug

        # NFKD first, so 'Ëvil Üser' keeps its letters: 'evil-user'.
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    out = _NOT_SLUG.sub("-", ascii_text).strip("-")[:MAX_NAME].strip("-")
    return out or fallback


def is_safe(name: str) -> bool:
    return (
        0 < len(name) <= MAX_NAME
        and _SAFE.match(name) is not None
        and ".." not in name
        and not name.endswith((".", ".lock"))
    )


def check_name(name: str, *, what: str, source: str) -> str:
    """Return `name` if it is a safe single path component, else explain where it came from."""
    if is_safe(name):
        return name
    shown = name if len(name) <= 80 else name[:77] + "..."
    raise UnsafeName(
        f"{source}: {what} name {shown!r} cannot be used as a folder name "
        f"(allowed: letters, digits, '.', '_', '-', at most {MAX_NAME} characters, "
        f"no '..'). Fix: set it to {slug(name)!r}."
    )
