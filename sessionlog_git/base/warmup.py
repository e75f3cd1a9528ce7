"""When a compiled search repays its compile: after a process has looked through enough text
the cheap way. A commit's one new day is a few kilobytes, read line by line with no compile;
a backlog's hundreds of temp logs take the search once they have passed the threshold.
Standard library only, import-free."""
from __future__ import annotations


class Warmup:
    """Counts the characters looked through the cheap way, up to `after`."""

    __slots__ = ("after", "seen")

    def __init__(self, after: int = 32 * 1024) -> None:
        self.after = after
        self.seen = 0

    def ready(self, size: int) -> bool:
        """True once `after` characters were looked through; otherwise counts `size` more
        (the caller looks through them the cheap way) and says False."""
        if self.seen >= self.after:
            return True
        self.seen += size
        return False

    def expect(self, size: int) -> None:
        """`size` characters are about to be looked through, a text at a time: when they are
        `after` or more, the search repays its compile from the first text on (a backlog's
        first few temp logs are not read the cheap way first)."""
        if size >= self.after:
            self.seen = max(self.seen, self.after)
