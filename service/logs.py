"""Logging set-up; secrets in URLs (`?token=`) never reach a log line."""

from __future__ import annotations

import logging
import re
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
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def configure(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redactor = RedactTokens()
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.addFilter(redactor)
        for handler in logger.handlers:
            handler.addFilter(redactor)
    for noisy in ("dramatiq", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
