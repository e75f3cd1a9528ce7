"""Log text made safe to place in a Markdown view: no raw HTML, no script links.

The views are Markdown that GitHub, GitLab and editors render. Log text comes from people and
assistants, so a `<script>`, an `<img onerror=...>` or a `[x](javascript:...)` in an entry
must reach the view as text, not as markup. The templates only lay out; escaping is done
here, in Python, before them. The raw archive keeps the text verbatim.

* `<` that could open a tag, a comment, a declaration or an autolink becomes `&lt;`
  (also inside code spans: a backslash or backtick trick must not turn one back on);
* a link whose destination has a scheme other than http, https or mailto (after decoding
  entities and dropping whitespace, as browsers do) loses its link syntax: `]\\(`;
* a field that starts like `[x]:` cannot become a link reference definition: `\\[x]:`.
"""
from __future__ import annotations

import re

_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
_INLINE_LINK = re.compile(r"\]\(\s*(?P<dest><?[^)\s]*)")
_SCHEME = re.compile(r"\A([a-z][a-z0-9+.\-]*):")
SAFE_SCHEMES = frozenset(("http", "https", "mailto"))
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_REFERENCE_DEFINITION = re.compile(r"\A\s{0,3}\[[^\]]*\]:")


def _unsafe_destination(dest: str) -> bool:
    import html  # only for a line with a link: its entity table is a millisecond of every commit

    plain = _INVISIBLE.sub("", html.unescape(html.unescape(dest))).lstrip("<").lower()
    match = _SCHEME.match(plain)
    return match is not None and match[1] not in SAFE_SCHEMES


def _link(match: re.Match[str]) -> str:
    if _unsafe_destination(match["dest"]):
        return "]\\(" + match[0][2:]
    return match[0]


def inline(text: str) -> str:
    """One line of log text, safe inside a Markdown view (idempotent on safe text)."""
    if "<" in text:
        text = _TAG_OPEN.sub("&lt;", text)
    if "](" in text:
        text = _INLINE_LINK.sub(_link, text)
    if "]:" in text and _REFERENCE_DEFINITION.match(text):  # told without the pattern, mostly
        text = "\\" + text.lstrip()
    return text
