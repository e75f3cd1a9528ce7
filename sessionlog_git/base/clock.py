"""Local time with an explicit zone: never silently UTC.

Standard library only: the agent hooks use this on every prompt.
"""
from __future__ import annotations

import os

from sessionlog_git.base.dt import datetime, timedelta, timezone, tzinfo  # no datetime.py
from sessionlog_git.errors import SessionlogError

ENV_NOW = "SESSIONLOG_NOW"


class Moment:
    """A local time together with the name of the zone it was taken in.

    Immutable, compared by value. A plain class, not a dataclass: the per-prompt hook
    imports this module, and `dataclasses` (with `inspect`) costs it several milliseconds.
    """

    __slots__ = ("at", "zone")
    at: datetime  # aware
    zone: str  # IANA name when known, else the offset, e.g. "+01:00"

    def __init__(self, at: datetime, zone: str) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "zone", zone)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a Moment is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a Moment is immutable")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Moment)
        return (self.at, self.zone) == (other.at, other.zone)

    def __hash__(self) -> int:
        return hash((self.at, self.zone))

    def __repr__(self) -> str:
        return f"Moment(at={self.at!r}, zone={self.zone!r})"

    def __reduce__(self) -> tuple[type[Moment], tuple[datetime, str]]:
        return (Moment, (self.at, self.zone))  # copy and pickle through __init__

    @property
    def offset(self) -> str:
        return format_offset(self.at)


_OFFSETS: dict[timedelta | None, str] = {}  # a view formats one or two offsets, thousands of times


def format_offset(at: datetime) -> str:
    off = at.utcoffset()
    text = _OFFSETS.get(off)
    if text is None:
        whole = off or timedelta(0)
        sign = "-" if whole < timedelta(0) else "+"
        minutes = abs(int(whole.total_seconds())) // 60
        text = _OFFSETS[off] = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return text


def parse_offset(text: str) -> timezone | None:
    """'+01:00' / '-0530' / 'Z' -> timezone, or None when it is not an offset."""
    text = text.strip()
    if text in ("Z", "z"):
        return timezone.utc
    if len(text) not in (5, 6) or text[0] not in "+-":
        return None
    digits = text[1:].replace(":", "")
    if len(digits) != 4 or not digits.isdigit():
        return None
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


def load_zone(name: str) -> tzinfo:
    """An IANA zone by name; a clear error when the name is unknown."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SessionlogError(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Berlin' "
            f"or leave `timezone` empty for the system zone ({exc})"
        ) from None


def _system_zone_name() -> str | None:
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and "/" in tz and not tz.startswith("/"):
        return tz
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return None
    marker = "zoneinfo/"
    return target.split(marker, 1)[1] if marker in target else None


def now(zone_name: str = "") -> Moment:
    """The current local time, or the one pinned by SESSIONLOG_NOW (ISO 8601 with offset)."""
    pinned = os.environ.get(ENV_NOW, "").strip()
    if pinned:
        try:
            at = datetime.fromisoformat(pinned.replace("Z", "+00:00"))
        except ValueError:
            raise SessionlogError(
                f"{ENV_NOW}={pinned!r} is not an ISO 8601 time; "
                "use e.g. 2026-11-25T14:30:00+01:00"
            ) from None
        if at.tzinfo is None:
            raise SessionlogError(
                f"{ENV_NOW}={pinned!r} has no UTC offset; add one, e.g. {pinned}+01:00"
            )
    else:
        at = datetime.now(timezone.utc)
    if zone_name:
        return Moment(at.astimezone(load_zone(zone_name)), zone_name)
    if pinned:
        # A pinned time keeps its own offset: that is the zone the caller meant.
        return Moment(at, format_offset(at))
    local = at.astimezone()
    return Moment(local, _system_zone_name() or format_offset(local))
