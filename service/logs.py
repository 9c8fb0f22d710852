"""Logging set-up; secrets in URLs (`?token=`) never reach a log line."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from urllib.parse import unquote_plus

# A query parameter: its name (after ?, & or ;) and its value. The name is compared after
# percent-decoding, as the server decodes it: `?%74oken=` authenticates like `?token=`.
_PARAM = re.compile(r"(?:(?<=[?&;\s\"'])|^)(?P<name>[^=&;?\s\"'#]+)=(?P<value>[^&;\s\"'#]*)")
_SECRET_NAMES = {"token"}


def _hide(match: re.Match[str]) -> str:
    if unquote_plus(match["name"]).strip().lower() in _SECRET_NAMES:
        return f"{match['name']}=[redacted]"
    return match[0]


def redact(text: str) -> str:
    return _PARAM.sub(_hide, text)


class RedactTokens(logging.Filter):
    """Redacts the formatted message, not its parts: a `?token=%s` with the token in the
    arguments is only a secret once the two are put together (redacting the template alone
    turned `%s` into `[redacted]` and broke the formatting)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: leave it to logging's own report
            return True
        record.msg, record.args = redact(message), None
        return True


class JsonLines(logging.Formatter):
    """One JSON object per record, for log collectors (Loki, Elasticsearch, CloudWatch): what a
    collector indexes (time, level, logger) as fields, the message already redacted."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure(level: str = "INFO", format: str = "text") -> None:
    """Root logging at `level`, as `text` lines or `json` objects, tokens redacted either way."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonLines())
    redactor = RedactTokens()
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.addFilter(redactor)
        for handler in logger.handlers:
            handler.addFilter(redactor)
    for noisy in ("dramatiq", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
