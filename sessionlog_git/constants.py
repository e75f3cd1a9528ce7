"""Names on disk and the config's defaults: the one place each is spelled.

Import-free (not even the standard library), so every path may use it, the per-prompt hook
included. A name here replaces every mirrored copy; nothing else spells these strings.
"""

# The repository's config, and the name of the state folder in older versions' work trees
# (`<top>/.sessionlog`): the state now lives in the worktree's git directory (base.statedir),
# and a configured path starting with it (the default pending_dir) means a folder there.
CONFIG_NAME = ".sessionlog.yaml"
STATE_DIR = ".sessionlog"
CONFIG_CACHE = "config.json"  # the config's parse cache, in STATE_DIR
IDENTITY_CACHE = "identity.json"  # the cached GitHub login, in STATE_DIR
INSTALL_RECORD = "installed.json"  # what init wrote for the assistants, in STATE_DIR
LEDGER_NAME = "written.json"  # what consolidation wrote, in STATE_DIR
JOURNAL_NAME = "journal.json"  # a consolidation's intent, before it writes, in STATE_DIR
LOCK_NAME = "lock"  # the work tree's lock file, in STATE_DIR
SESSIONS_DIR = "sessions"  # per-session hook state, in STATE_DIR
HOOK_ERROR_LOG = "hook-errors.log"  # the assistants' hooks' own errors, in STATE_DIR
MERGE_CACHE = "sessionlog-merge.json"  # the merge driver's per-merge cache, in the git dir

# The logs folder: the raw archive below it, the views at its top.
ARCHIVE_DIR = "archive"
# File names, matched to the end: a temp log `<YYYY-MM-DD>.md`, an archive file
# `<YYYY-MM-DD>-<content id>.md`. Strings, so the per-prompt hook compiles them only on use.
PENDING_FILE = r"(\d{4}-\d{2}-\d{2})\.md\Z"
ARCHIVE_FILE = r"(\d{4}-\d{2}-\d{2})-([0-9a-f]{6,64})\.md\Z"

# The markers of our block in an assistant's instructions file (CLAUDE.md, AGENTS.md, ...).
BLOCK_BEGIN = "<!-- sessionlog:begin -->"
BLOCK_END = "<!-- sessionlog:end -->"

# `.sessionlog.yaml` defaults (config.py validates against these; the hooks read them too).
DEFAULT_LOGS_DIR = "logs"
DEFAULT_PENDING_DIR = ".sessionlog/pending"  # = <git dir>/sessionlog/pending (base.statedir)
DEFAULT_GAP_MINUTES = 45
DEFAULTS = {
    "project": "",
    "logs_dir": DEFAULT_LOGS_DIR,
    "pending_dir": DEFAULT_PENDING_DIR,
    "timezone": "",
    "user": "",
    "reminders": {"gap_minutes": DEFAULT_GAP_MINUTES, "stop_hook": True},
    "redaction": "redact",
    "projects": [],
    "push_fix": False,
}
CONTEXT_INDEX = "context-index.json"  # the context index's manifest, in STATE_DIR
CONTEXT_SEEN = "context-index.seen.json"  # an older index's record of what it folded (removed)
CONTEXT_STATE = "context-index.state"  # what the index's fold keeps between commits, in STATE_DIR
CONTEXT_SHARDS = "context-index"  # the index by path, sharded, for the hook, in STATE_DIR
START_SUMMARY = "start-summary.json"  # what the session-start text needs, in STATE_DIR
