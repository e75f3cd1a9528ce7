"""The raw archive: verbatim temp logs under logs/archive/<YYYY-MM>/<project>/<user>/."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath

from sessionlog_git.entries import TempLog, parse
from sessionlog_git.layout import ARCHIVE_NAME, month_of
from sessionlog_git.views import Record

ID_LENGTH = 10


def content_id(data: bytes) -> str:
    """Archive files are named by content: archiving the same bytes twice is one file."""
    return hashlib.sha256(data).hexdigest()[:ID_LENGTH]


def zone_offset(day: date, zone_name: str) -> timezone:
    """The UTC offset of the configured (or system) zone on `day`, at noon."""
    if zone_name:
        from sessionlog_git.clock import load_zone

        noon = datetime(day.year, day.month, day.day, 12, tzinfo=load_zone(zone_name))
    else:
        noon = datetime(day.year, day.month, day.day, 12).astimezone()
    return timezone(noon.utcoffset() or timedelta(0))


def parse_log(data: bytes, day: date, zone_name: str) -> TempLog:
    return parse(data.decode("utf-8"), day=day, offset=zone_offset(day, zone_name))


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


def months(logs_path: Path, project: str) -> list[str]:
    base = logs_path / "archive"
    try:
        return sorted(p.name for p in base.iterdir() if (p / project).is_dir())
    except FileNotFoundError:
        return []


def files(logs_path: Path, project: str, month_list: Iterable[str]) -> list[Path]:
    out: list[Path] = []
    for month in sorted(set(month_list)):
        folder = logs_path / "archive" / month / project
        if folder.is_dir():
            out.extend(sorted(p for p in folder.glob("*/*.md") if ARCHIVE_NAME.match(p.name)))
    return out


def records_from(
    data: bytes, *, project: str, user: str, day: date, source: str, zone_name: str
) -> list[Record]:
    log = parse_log(data, day, zone_name)
    return [Record(e, project, user, source) for e in log.entries if e.at is not None]


def read_records(
    logs_path: Path, project: str, month_list: Iterable[str], zone_name: str,
    skip: set[str] | None = None,
) -> list[Record]:
    """Records from the archive files of `project` in the given months."""
    out: list[Record] = []
    for path in files(logs_path, project, month_list):
        source = str(PurePosixPath(*path.relative_to(logs_path).parts))
        if skip and source in skip:
            continue
        match = ARCHIVE_NAME.match(path.name)
        assert match is not None
        day = date.fromisoformat(match[1])
        try:
            data = path.read_bytes()
            out.extend(
                records_from(
                    data, project=project, user=path.parent.name, day=day, source=source,
                    zone_name=zone_name,
                )
            )
        except (OSError, UnicodeDecodeError, ValueError):
            continue  # unreadable archive files are reported by `sessionlog check`
    return out


def months_for(days: Iterable[date]) -> set[str]:
    return {month_of(d) for d in days}
