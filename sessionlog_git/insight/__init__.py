"""Read-only insight from the archive: `why` and reports."""
