"""``--log-format json``: every log line one JSON object, for log collectors.

A request line carries its fields in the record (``extra={"mock": (...)}``, set in
core/serving.py beside the plain line), so this formatter writes them as keys
instead of parsing text.  ``warnings`` is the request's contract-lint findings,
empty until a linter fills it.  Nothing here reads headers or bodies: no secret
can reach a log line.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

# The request record's tuple, in order (core/serving.py builds it).
REQUEST_FIELDS = ("vendor", "operation", "status", "latency_ms", "session", "scenario_rule", "warnings")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message; a request's fields as keys too."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "mock", None)
        if isinstance(fields, tuple):
            out["event"] = "request"
            out.update(zip(REQUEST_FIELDS, fields, strict=False))
            out["latency_ms"] = round(float(fields[3]), 3)
            out.setdefault("warnings", [])
        else:
            out["message"] = record.getMessage()
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info).splitlines()[-1]  # one line: the exception, no traceback
        return orjson.dumps(out).decode()
