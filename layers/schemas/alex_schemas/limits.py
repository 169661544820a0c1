"""The size limits every event, row and answer is designed for; docs/limits.md cites each one.

Agents use the transport limits (`DataClient` refuses an event its transport would refuse);
the data function uses the Data API's and the payload bounds derived from them.
"""

from typing import Final, TypeVar

import pydantic_core

__all__ = [
    "DATA_API_REQUEST_BYTES",
    "DATA_API_RESPONSE_BYTES",
    "DATA_API_ROW_BYTES",
    "JOB_PAYLOADS_BYTES",
    "LAMBDA_SYNC_PAYLOAD_BYTES",
    "PAYLOAD_BYTES",
    "ROW_BUDGET_BYTES",
    "ROW_TOO_LARGE",
    "SQS_MESSAGE_BYTES",
    "within_payload_bytes",
]

KIB: Final = 1024
MIB: Final = 1024 * KIB

# RDS Data API ("Limitations for the Amazon RDS Data API", Aurora user guide).
DATA_API_ROW_BYTES: Final = 64 * KIB
DATA_API_RESPONSE_BYTES: Final = 1 * MIB
DATA_API_REQUEST_BYTES: Final = 4 * MIB
# AWS documents no text for a refused row; this is ours, shared by the local Data API (which
# raises it) and the gateway (which recognises it).
ROW_TOO_LARGE: Final = "Result set row size exceeded the allowed limit of 64 KB"

# What any row of ours may carry: half the limit, leaving room for JSON escaping on the wire.
ROW_BUDGET_BYTES: Final = 32 * KIB

# Lambda Invoke: "For synchronous invocations, the maximum payload size is 6 MB" (request and
# response); Lambda refuses a request of 6,291,456 bytes or more.
LAMBDA_SYNC_PAYLOAD_BYTES: Final = 6 * MIB
# Amazon SQS: a message (body and attributes) of at most 1 MiB since 2025.
SQS_MESSAGE_BYTES: Final = 1 * MIB

# One agent payload (request, report, charts, retirement, summary patch), as compact UTF-8
# JSON: fits a Data API request with room for the statement and for escaping.
PAYLOAD_BYTES: Final = 3 * MIB
# Every payload of one job together, as stored: GetJob answers them all in one Lambda response.
JOB_PAYLOADS_BYTES: Final = 4 * MIB


T = TypeVar("T")


def within_payload_bytes(value: T) -> T:
    """A payload, if its compact UTF-8 JSON is at most PAYLOAD_BYTES (a pydantic validator)."""
    size = len(pydantic_core.to_json(value))
    if size > PAYLOAD_BYTES:
        msg = (
            f"is {size:,} bytes as JSON, over the {PAYLOAD_BYTES:,} bytes (3 MiB) a payload may"
            f" be: it travels in one Data API request of at most 4 MiB"
        )
        raise ValueError(msg)
    return value
