"""The function's logger, and how a failed event is logged.

One Powertools `Logger` for the service; the package's own stdlib loggers (the gateway's retry
warnings) write through its JSON handler, so they carry the request and correlation ids too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from alex_schemas.errors import DataError, ErrorCode
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

__all__ = ["SERVICE", "log_failure", "logger"]

SERVICE = "alex-data"

logger = Logger(service=SERVICE)
logging.getLogger("alex_data")
copy_config_to_registered_loggers(source_logger=logger, include={"alex_data"})


def log_failure(
    message: str, error: DataError, expected: Callable[..., None] = logger.info, **keys: Any
) -> None:
    """An expected failure through `expected`; an Internal one, a fault on our side, at ERROR
    with its cause (the caller's message only says that the details are in this log)."""
    extra = {**keys, "code": str(error.code), "retryable": error.retryable, "error": error.message}
    if error.detail is not None:
        extra["cause"] = error.detail
    log = logger.error if error.code == ErrorCode.INTERNAL else expected
    log(message, extra=extra)
