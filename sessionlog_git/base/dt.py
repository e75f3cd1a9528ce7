"""`datetime`'s classes without `datetime.py`: the modules on the per-prompt path import them here.

`import datetime` executes the pure-Python implementation (thousands of lines, with `math`
and `operator`) before it replaces it with the C one, `_datetime`: about a millisecond and a
half of a hook whose whole budget is a few. The classes are the same objects either way
(`datetime.datetime is _datetime.datetime`); where `_datetime` is missing, `datetime` it is.
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import date, datetime, timedelta, timezone, tzinfo
else:
    try:
        from _datetime import date, datetime, timedelta, timezone, tzinfo
    except ImportError:  # another interpreter
        from datetime import date, datetime, timedelta, timezone, tzinfo

__all__ = ["date", "datetime", "timedelta", "timezone", "tzinfo"]
