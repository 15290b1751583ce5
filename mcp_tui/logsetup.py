"""Route every log record to the log file, masked, so nothing writes over the screen.

chuk-tool-processor attaches a StreamHandler(sys.stderr) when it is imported and
chuk-llm logs errors through logging's last-resort handler: both would draw over a
full-screen app. `tame_library_handlers()` runs again after each lazy heavy import.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
from collections.abc import Iterable
from typing import Any
from pathlib import Path

from mcp_tui import paths

_secrets: set[str] = set()
MASK = "•••"


class SecretFilter(logging.Filter):
    """Masks API keys and server env/header values in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            message = record.getMessage()
            masked = mask_secrets(message)
            if masked != message:
                record.msg, record.args = masked, ()
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = mask_secrets(logging.Formatter().formatException(record.exc_info))
        return True


def add_secrets(values: Iterable[str]) -> None:
    # Short values would mask ordinary words; real keys and tokens are longer. Each is kept
    # also as JSON writes it (a `"` or `\\` in it is escaped there), once and twice (tool
    # arguments are JSON text inside the JSON of a session file or an export).
    for value in values:
        if value and len(value) >= 6:
            forms = {value}
            for _ in range(2):
                forms |= {json.dumps(f, ensure_ascii=a)[1:-1] for f in forms for a in (True, False)}
            _secrets.update(forms)


def mask_secrets(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def mask_json(value: Any) -> Any:
    """`value` (tool arguments, say) with every secret inside its strings masked."""
    if not _secrets or value is None:
        return value
    text = json.dumps(value, ensure_ascii=False)
    masked = mask_secrets(text)
    if masked == text:
        return value
    try:
        return json.loads(masked)
    except ValueError:  # cannot happen for whole JSON strings; never show the original then
        return {"masked": MASK}


class StreamMasker:
    """Masks secrets in text that arrives in pieces, holding back just enough of the tail
    that a secret split across two pieces is still caught; `flush()` at the end."""

    def __init__(self) -> None:
        self._tail = ""

    def feed(self, text: str) -> str:
        keep = max((len(s) for s in _secrets), default=1) - 1
        buffered = mask_secrets(self._tail + text)
        cut = max(0, len(buffered) - keep)
        self._tail = buffered[cut:]
        return buffered[:cut]

    def flush(self) -> str:
        rest, self._tail = mask_secrets(self._tail), ""
        return rest


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """The log and its rotations are 0600: tool arguments and server reasons pass through it."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)  # a log left by an older version keeps no looser bits
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def log_file() -> Path:
    return paths.log_dir() / "mcp-tui.log"


def setup_logging(level: int = logging.INFO) -> Path:
    path = log_file()
    paths.ensure(path.parent)
    handler = PrivateRotatingFileHandler(path, maxBytes=5_000_000, backupCount=2, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    # A log file that cannot be written (full disk) must not print tracebacks on stderr, over the screen.
    logging.raiseExceptions = False
    tame_library_handlers()
    return path


def tame_library_handlers() -> None:
    """Remove console handlers that libraries attached; their records reach the file via root."""
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        if not isinstance(logger, logging.Logger):
            continue
        for handler in list(logger.handlers):
            stream = getattr(handler, "stream", None)
            if stream in (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__):
                logger.removeHandler(handler)
        if logger is not logging.getLogger():
            logger.propagate = True
