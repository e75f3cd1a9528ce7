"""The data, in flow order: temp log -> entries -> (redaction, routing) -> archive -> views.

`layout` (every on-disk path and the one walker of the pending and archive trees),
`entries` (the temp-log format), `templog` (appending), `redact`, `routing`, `archive`
(verbatim files and their records), `views` (master log and status as data) and
`continuity` (where work left off). Stdlib-safe at import: heavy detectors load lazily.
"""
