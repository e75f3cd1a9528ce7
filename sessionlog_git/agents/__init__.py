"""The AI assistants: one registry, the `sessionlog hook` entry, reminders, setup and checks.

Stdlib-safe: every module here imports only the standard library and stdlib-safe
subpackages at module level, because `sessionlog hook` runs on every prompt. Setup,
doctor checks and the plugin builder import jinja2 or ruamel.yaml inside functions only.
"""
