"""The package list (everything else is in pyproject.toml).

Every `sessionlog_git*` package in the tree is found here, so a new subpackage ships without
editing this file; the top-level `templates/` folder ships as `sessionlog_git.templates`
(pyproject.toml maps it with `package-dir` and lists its files as package data).
pyproject's `[tool.setuptools.packages.find]` cannot add a package from another folder next to
the ones it finds, so the list is built here.
"""
from setuptools import find_namespace_packages, setup

# Namespace discovery: a subpackage ships even before it has an __init__.py.
found = find_namespace_packages(include=["sessionlog_git", "sessionlog_git.*"], exclude=["*.__pycache__"])
setup(packages=[*found, "sessionlog_git.templates"])
