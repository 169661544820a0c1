"""Injected faults: the next N eligible calls answer a modelled error instead of running.

A test makes the endpoint answer as an auto-paused Aurora does while it resumes
(`{"DatabaseResumingException": 2}`), or with any other rds-data error code.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from alex_data_dev.local_data_api.errors import STATUS, DataApiError, bad_request

RESUMING = "DatabaseResumingException"
# The operations whose model lists DatabaseResumingException (commit and rollback do not).
RESUMING_OPERATIONS = frozenset({"ExecuteStatement", "BatchExecuteStatement", "BeginTransaction"})


class Faults:
    def __init__(self, instance_id: str) -> None:
        self._instance_id = instance_id  # named in the resuming message, as Aurora does
        self._pending: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, faults: Mapping[str, int]) -> dict[str, int]:
        """Set the pending count of each code given (0 clears it); answers all still pending."""
        for code, count in faults.items():
            if code not in STATUS:
                known = ", ".join(sorted(STATUS))
                raise bad_request(f"unknown fault code {code!r}; the Data API's codes: {known}")
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise bad_request(f"fault count for {code} must be a non-negative integer")
        with self._lock:
            self._pending.update(faults)
            self._pending = {code: n for code, n in self._pending.items() if n > 0}
            return dict(self._pending)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def pending(self) -> dict[str, int]:
        with self._lock:
            return dict(self._pending)

    def take(self, operation: str) -> None:
        """Raise the first pending fault `operation` is eligible for, counting it down."""
        with self._lock:
            for code, count in self._pending.items():
                if code == RESUMING and operation not in RESUMING_OPERATIONS:
                    continue
                if count > 1:
                    self._pending[code] = count - 1
                else:
                    del self._pending[code]
                break
            else:
                return
        if code == RESUMING:
            message = (
                f"The Aurora DB instance {self._instance_id} is resuming after being "
                "auto-paused. Please wait a few seconds and try again."
            )
        else:
            message = f"Injected {code}"
        raise DataApiError(code, message)
