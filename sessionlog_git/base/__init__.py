"""Standard-library building blocks: names, clock, files, the lock, git config, identity.

Stdlib-safe: no module here imports a third-party package at module level, so the per-prompt
hook may use any of them. Nothing here imports from the rest of the package except
`sessionlog_git.errors` and `sessionlog_git.constants`.
"""
