"""Logging for every `kavshiri` command: plain text, or one JSON object per line (LOG_FORMAT=json).

Nothing personal may reach the log; the loggers below that would write it are kept quiet.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Their INFO lines name every URL called: registration numbers, Twilio media and storage links.
QUIET = ("httpx", "httpcore")


class JsonFormatter(logging.Formatter):
    """time, level, logger, message (and a traceback as `exception`): a line a log shipper parses."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


class NoClientAddresses(logging.Filter):
    """uvicorn logs every WebSocket handshake with the client's address and query: not kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        return '"WebSocket ' not in str(record.msg)


def configure(log_format: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.captureWarnings(True)  # a library's warning is a log line too, in the same format
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("uvicorn.error").addFilter(NoClientAddresses())
