#!/bin/sh
# sessionlog-git plugin hook launcher (generated; see scripts/build_plugin.py).
# A plugin cannot know where sessionlog is installed, so this looks for it at run time:
# $SESSIONLOG_PYTHON, then `sessionlog` on PATH, then a python3/python that can import it.
# Without one it prints nothing and exits 0: an agent hook never breaks a prompt.
event="$1"
# A project set up with `sessionlog init --agent claude` runs the same hooks from
# .claude/settings.json: stay quiet so each reminder comes once.
if [ -n "$CLAUDE_PROJECT_DIR" ] && grep -q -e 'sessionlog_git hook' -e 'sessionlog hook' "$CLAUDE_PROJECT_DIR/.claude/settings.json" 2>/dev/null; then
    cat >/dev/null
    exit 0
fi
if [ -n "$SESSIONLOG_PYTHON" ] && [ -x "$SESSIONLOG_PYTHON" ]; then
    exec "$SESSIONLOG_PYTHON" -m sessionlog_git hook "$event"
fi
if command -v sessionlog >/dev/null 2>&1; then
    exec sessionlog hook "$event"
fi
for py in python3 python; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import sessionlog_git' >/dev/null 2>&1; then
        exec "$py" -m sessionlog_git hook "$event"
    fi
done
cat >/dev/null
exit 0
