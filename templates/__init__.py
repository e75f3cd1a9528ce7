"""Templates shipped with sessionlog-git (package data of sessionlog_git.templates)."""
