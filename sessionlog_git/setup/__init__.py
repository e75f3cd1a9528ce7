"""The git side of `init` and `uninstall`: config file, hook scripts, `.pre-commit-config.yaml`
edits and merge attributes. Install-time only."""
