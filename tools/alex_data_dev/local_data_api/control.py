"""The endpoint's control surface under `/_local/`, for tests and benchmarks (not part of the
Data API):

- `GET /_local/health` answers `{"status": "ok"}`;
- `GET|POST|DELETE /_local/faults`: POST takes e.g. `{"DatabaseResumingException": 2}` to make
  the next two eligible calls fail with that error (`faults.py`);
- `GET|POST /_local/latency`: POST takes `{"latency_ms": 20}`: every Data API call (not these
  control calls) is answered that much later, as over HTTPS to Aurora, so that a caller's round
  trips cost wall time here as they do there;
- `GET /_local/calls` answers `{"calls": N}`, the Data API requests served so far: what a
  function in another process (under the Lambda emulator, in a container) cost.
"""

from __future__ import annotations

import json
import threading
import time

from alex_data_dev.local_data_api import wire
from alex_data_dev.local_data_api.errors import DataApiError, bad_request
from alex_data_dev.local_data_api.faults import Faults

LATENCY_REFUSED = "latency_ms must be a non-negative number of milliseconds"


def checked_latency_ms(value: object) -> float:
    """A latency in ms: a finite non-negative number (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e7:
        raise ValueError(LATENCY_REFUSED)
    return float(value)


class Latency:
    """The network's round trip, paid before each Data API call runs, whatever it answers."""

    def __init__(self, ms: float = 0.0) -> None:
        self._ms = checked_latency_ms(ms)

    @property
    def ms(self) -> float:
        return self._ms

    @ms.setter
    def ms(self, value: float) -> None:
        self._ms = checked_latency_ms(value)

    def delay(self) -> None:
        if self._ms > 0:
            time.sleep(self._ms / 1000)


class Calls:
    """The Data API requests served (control calls excluded); safe across handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._served = 0

    def count(self) -> None:
        with self._lock:
            self._served += 1

    @property
    def served(self) -> int:
        return self._served


def serve(
    method: str, path: str, body: bytes, faults: Faults, latency: Latency, calls: Calls
) -> bytes:
    """The answer to a control call; NotFoundException for what is not one."""
    if path == "/_local/health" and method == "GET":
        return b'{"status": "ok"}'
    if path == "/_local/calls" and method == "GET":
        return json.dumps({"calls": calls.served}).encode()
    if path == "/_local/faults":
        if method == "POST":
            return json.dumps({"faults": faults.add(wire.json_object(body))}).encode()
        if method == "DELETE":
            faults.clear()
        if method in ("GET", "DELETE"):
            return json.dumps({"faults": faults.pending()}).encode()
    if path == "/_local/latency" and method in ("GET", "POST"):
        if method == "POST":
            try:
                latency.ms = checked_latency_ms(wire.json_object(body).get("latency_ms"))
            except ValueError:
                raise bad_request(LATENCY_REFUSED) from None
        return json.dumps({"latency_ms": latency.ms}).encode()
    raise DataApiError("NotFoundException", f"No resource at {method} {path}")
