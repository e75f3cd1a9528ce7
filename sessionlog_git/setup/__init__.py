"""The git side of `init` and `uninstall`, install-time only: `install` runs the steps in
order; `config` (config file, pending folder), `githooks` (native hook scripts), `framework`
(`.pre-commit-config.yaml` edits) and `merge` (merge attributes, driver registration) each
own one job."""
