"""`sessionlog redactions [restore ID]`: what redaction replaced, and putting a false positive back."""
from __future__ import annotations

import sys

from sessionlog_git import workspace
from sessionlog_git.logs import redaction_store


def redactions(*, action: str = "list", ident: str = "") -> int:
    ws = workspace.find()
    if action == "restore":
        if not ident:
            print("sessionlog: error: which one? Fix: `sessionlog redactions restore ID` "
                  "with an ID from `sessionlog redactions`.", file=sys.stderr)
            return 2
        record, chosen, target = redaction_store.restore(ws, ident)
        kinds = ", ".join(sorted({str(f["kind"]) for f in chosen}))
        rel = target.relative_to(ws.top) if target.is_relative_to(ws.top) else target
        print(f"sessionlog: restored {len(chosen)} redaction{'s' if len(chosen) != 1 else ''} ({kinds}) "
              f"of {record.pending} into {rel}, unredacted; the next commit archives it, and "
              "that value is never redacted again in this repository.")
        return 0
    found = redaction_store.records(ws.top)
    if not found:
        print(f"sessionlog: nothing redacted is kept (originals are kept "
              f"{redaction_store.RETENTION_DAYS} days in {redaction_store.root(ws.top)})")
        return 0
    rows = [
        (f"{r.ident}-{f['n']}", f"{r.pending}:{f['line']}", str(f["kind"]),
         f"{r.saved:%Y-%m-%d}", "restored" if f["n"] in r.restored else f"until {r.expires:%Y-%m-%d}")
        for r in found for f in r.findings
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    print(f"sessionlog: {len(rows)} redaction{'s' if len(rows) != 1 else ''} kept in "
          f"{redaction_store.root(ws.top)} (private, never committed; the secrets are not shown)")
    for ident, where, kind, saved, state in rows:
        print(f"  {ident:<{widths[0]}}  {where:<{widths[1]}}  {kind:<{widths[2]}}  {saved}  {state}")
    print("A false positive? `sessionlog redactions restore ID` puts it back into pending, unredacted.")
    return 0
