"""What git runs: consolidation at commit, the idle check, the ledger, the push guard, the
commit message, the merge driver, checks of rendered views, and rendering a revision.

May use jinja2 and filelock (imported lazily where a fast path needs it).
"""
