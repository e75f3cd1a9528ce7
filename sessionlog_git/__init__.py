"""sessionlog-git: keep the why behind code."""
from __future__ import annotations

__version__ = "0.1.0"
