"""structlog set-up: JSON lines when not on a terminal, readable on one; context merged first. With `file`,
JSON lines are appended to that file instead (the demo keeps its terminal for the lines a person reads)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TextIO

import structlog

# A log file that reached this size at start is moved to NAME.1 (one generation kept): a demo left running
# for days does not fill the disk with its own log.
ROTATE_AT_BYTES = 64 * 1024**2

_stream: TextIO = sys.stderr


def log_stream() -> TextIO:
    """Where this process's log lines go: a child process's lines go there too (hub/routine.py)."""
    return _stream


def configure_logging(level: str = "info", json: bool | None = None, file: Path | None = None) -> None:
    global _stream
    stream: TextIO = sys.stderr
    if file is not None:
        stream = _open_log(file)
        json = True
        # Libraries and modules that log through the standard library (warnings only): the same file, as JSON.
        handler = logging.StreamHandler(stream)
        stamp = structlog.processors.TimeStamper(fmt="iso", utc=True)
        handler.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                processor=structlog.processors.JSONRenderer(ensure_ascii=False),
                foreign_pre_chain=[structlog.processors.add_log_level, stamp],
            )
        )
        logging.basicConfig(handlers=[handler], level=logging.WARNING, force=True)
    _stream = stream
    if json is None:
        json = not sys.stderr.isatty()
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False) if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=True,
    )


def _open_log(file: Path) -> TextIO:
    file.parent.mkdir(parents=True, exist_ok=True)
    if file.exists() and file.stat().st_size >= ROTATE_AT_BYTES:
        file.replace(file.with_name(file.name + ".1"))
    return file.open("a", encoding="utf-8", buffering=1)  # line-buffered: `tail -f` sees each line
