"""The bullet vocabulary: which prefixes give a bullet its kind, and how writers are taught it.

One table, read by the entry parser (`entries.classify`) and by every sentence that teaches
the prefixes (`agents.texts`, `sessionlog log --help`). Import-free, so the per-prompt hook
can build its reminder from it without loading the parser.
"""

# Bullet kinds, by case-insensitive prefix. Order matters: first match wins. The first
# prefix of a row (and a decision's second, `rejected:`) is the one writers are taught.
KIND_PREFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("summary", ("summary:",)),
    ("unblock", ("unblocked:", "resolved:")),
    ("blocker", ("blocked on:", "blocked by:", "blocked:", "waiting on:", "waiting for:")),
    ("decision", ("decision:", "rejected:", "decided:", "chose:", "chose ")),
    ("supersede", ("supersedes:",)),
    ("revert", ("reverted:",)),
    ("expires", ("expires:",)),
    ("finding", ("tried:", "root cause:")),
    ("next", ("next:", "next step:", "next steps:")),
)
KINDS = ("decision", "finding", "blocker", "unblock", "next", "summary", "supersede", "revert",
         "expires", "note", "text")
LIFECYCLE = ("supersede", "revert", "expires")  # retire a decision (see logs.lifecycle)
TAUGHT_PER_KIND = {"decision": 2}  # `Rejected:` records the alternative not taken


def taught_prefixes(kinds: tuple[str, ...] = KINDS[:6], *, rejected: bool = True) -> list[str]:
    """`Decision:`, `Rejected:`, `Tried:`, ...: the taught prefixes of `kinds`, in that order."""
    rows = dict(KIND_PREFIXES)
    out: list[str] = []
    for kind in kinds:
        count = TAUGHT_PER_KIND.get(kind, 1) if rejected else 1
        out += [p[0].upper() + p[1:] for p in rows[kind][:count]]
    return out
