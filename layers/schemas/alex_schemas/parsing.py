"""`parse_event`: one event from a dict or JSON text, importing only the events of its kind.

A dict whose `type` names an event is validated by that event's own model, found through
`DEFINED_IN`: a cold start imports and builds the events of one kind (the first GetUser, the
two users' events), not the 22 of the union. Anything else, and an event that does not
validate, goes through the union (`alex_schemas.events`, the one list of events; a test holds
this table to it) for its errors.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, cast

from pydantic import TypeAdapter, ValidationError

if TYPE_CHECKING:
    from alex_schemas.event_base import Event
    from alex_schemas.events import DataEvent

__all__ = ["DEFINED_IN", "event_model", "parse_event"]

_USERS = "alex_schemas.user_events"
_INSTRUMENTS = "alex_schemas.instrument_events"
_ACCOUNTS = "alex_schemas.account_events"
_JOBS = "alex_schemas.job_events"

# Event type -> the module that defines it.
DEFINED_IN: Final[Mapping[str, str]] = MappingProxyType(
    {
        "UpsertUser": _USERS,
        "GetUser": _USERS,
        "UpsertInstruments": _INSTRUMENTS,
        "UpdatePrices": _INSTRUMENTS,
        "GetInstruments": _INSTRUMENTS,
        "ListInstruments": _INSTRUMENTS,
        "CreateAccount": _ACCOUNTS,
        "UpdateAccount": _ACCOUNTS,
        "DeleteAccount": _ACCOUNTS,
        "UpsertPosition": _ACCOUNTS,
        "DeletePosition": _ACCOUNTS,
        "GetPortfolio": _ACCOUNTS,
        "CreateJob": _JOBS,
        "StartJob": _JOBS,
        "UpdateReport": _JOBS,
        "UpdateCharts": _JOBS,
        "UpdateRetirement": _JOBS,
        "UpdateSummary": _JOBS,
        "CompleteJob": _JOBS,
        "FailJob": _JOBS,
        "GetJob": _JOBS,
        "ListJobs": _JOBS,
    }
)


def event_model(kind: object) -> type[Event[Any]] | None:
    """The event class whose `type` is `kind` (its module imported), or None."""
    module = DEFINED_IN.get(kind) if isinstance(kind, str) else None
    if module is None:
        return None
    return cast("type[Event[Any]]", getattr(importlib.import_module(module), cast(str, kind)))


def parse_event(data: Any) -> DataEvent:
    """Validate one event from a dict or JSON text; raises pydantic's ValidationError."""
    if isinstance(data, str | bytes | bytearray):
        return _union().validate_json(data)
    model = event_model(data.get("type")) if isinstance(data, dict) else None
    if model is not None:
        try:
            return cast("DataEvent", model.model_validate(data))
        except ValidationError:
            pass
    return _union().validate_python(data)


def _union() -> TypeAdapter[DataEvent]:
    from alex_schemas.events import data_event_adapter

    return data_event_adapter()
