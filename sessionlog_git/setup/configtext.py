"""Our entry in `.pre-commit-config.yaml`, added and taken out as text.

A YAML round trip rewrites what it does not understand the user's way (flow lists, quoting,
spacing), so the entry is appended as lines at the end of the `repos:` block, in the file's
own list style, and taken out by removing exactly those lines. Only a file whose `repos:` is
not a block list gets the round trip (`framework`).
"""
from __future__ import annotations

import json
import re
from typing import Any

_REPOS = re.compile(r"^repos:[ \t]*(#.*)?$")
_ITEM = re.compile(r"^(?P<lead>[ ]*)-(?P<gap>[ ]+)\S")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    text = str(value)
    if re.fullmatch(r"[A-Za-z0-9_./:-]+", text) and not text.endswith(":"):
        return text
    return json.dumps(text, ensure_ascii=False)


def entry_lines(repo: dict[str, Any], lead: str, gap: str) -> list[str]:
    """`repo` ({"repo", ["rev"], "hooks": [{...}]}) as lines in the list style `lead-gap`."""
    child = " " * (len(lead) + 1 + len(gap))
    hook_lead = child + lead
    lines: list[str] = []
    first = True
    for key, value in repo.items():
        if key == "hooks":
            continue
        prefix = f"{lead}-{gap}" if first else child
        lines.append(f"{prefix}{key}: {_scalar(value)}\n")
        first = False
    lines.append(f"{child}hooks:\n")
    hook_child = " " * (len(hook_lead) + 1 + len(gap))
    for hook in repo["hooks"]:
        for n, (key, value) in enumerate(hook.items()):
            prefix = f"{hook_lead}-{gap}" if n == 0 else hook_child
            lines.append(f"{prefix}{key}: {_scalar(value)}\n")
    return lines


def insert_entry(text: str, repo: dict[str, Any]) -> tuple[str, str] | None:
    """(new text, the block inserted), or None when `repos:` is not a block list here."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _REPOS.match(line.rstrip("\n"))), None)
    if start is None:
        return None
    end = start + 1
    style: tuple[str, str] | None = None
    last_content = start
    while end < len(lines):
        line = lines[end]
        bare = line.rstrip("\n")
        if bare.strip() and not bare.startswith((" ", "\t", "-", "#")):
            break  # the next top-level key
        match = _ITEM.match(bare)
        if match and style is None:
            style = (match["lead"], match["gap"])
        if bare.strip() and not bare.lstrip().startswith("#"):
            last_content = end
        end += 1
    if style is None:
        return None  # `repos: []` or empty: the round trip decides
    at = last_content + 1
    if not lines[last_content].endswith("\n"):
        lines[last_content] += "\n"
    block = "".join(entry_lines(repo, *style))
    return "".join(lines[:at]) + block + "".join(lines[at:]), block


def remove_entry(text: str, block: str) -> str | None:
    """`text` without exactly `block` (None when it is not there verbatim)."""
    if not block or block not in text:
        return None
    return text.replace(block, "", 1)


def styles(text: str) -> list[tuple[str, str]]:
    """The list styles (`lead`, `gap`) that items in `text` use, most common first."""
    counts: dict[tuple[str, str], int] = {}
    for line in text.splitlines():
        match = _ITEM.match(line)
        if match:
            key = (match["lead"], match["gap"])
            counts[key] = counts.get(key, 0) + 1
    return sorted(counts, key=lambda k: -counts[k])
