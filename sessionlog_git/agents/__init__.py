"""The AI assistants: one registry, the `sessionlog hook` entry, reminders, setup and checks.

Stdlib-safe: every module here imports only the standard library and stdlib-safe
subpackages at module level, because `sessionlog hook` runs on every prompt. Setup,
doctor checks and the plugin builder import jinja2 or ruamel.yaml inside functions only.

Layers (a module imports only from the lines above its own, never upward):

* `registry` (one row per assistant), `texts` (every sentence an assistant reads),
  `scan` (the changed-files scan), `session` (top, stdin, per-session state);
* `edit_context` (a file's live reasoning, told at a tool event, from the context index shards);
* `prompt` (the lean per-prompt decision), `handlers` (every event, in full),
  `settings` (hooks files, instruction blocks, the install record), `assets` (templates);
* `entry` (`sessionlog hook`), `setup` (init/uninstall), `doctor` (checks), `plugin`.
"""
