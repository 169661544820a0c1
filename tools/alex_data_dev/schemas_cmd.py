"""`alex-data schemas --out DIR`: one JSON Schema per event and result, for other languages
and for LLM tool definitions.

Layout of DIR:
    events/<Type>.json      what the function accepts (validation mode)
    results/<Model>.json    what an ok envelope's `result` holds (serialization mode)
    DataEvent.json          the union of every event, discriminated on `type`
    Envelope.json           `{"ok": true, "result": {...}}` / `{"ok": false, "error": {...}}`
    DataEventSqsEvent.json  an SQS event whose record bodies are JSON-encoded events
    llm/<Model>.json        the analysis and payload models, for structured output
"""

from __future__ import annotations

import argparse
import json
import pathlib
from collections.abc import Iterator
from typing import Any

from alex_schemas import (
    EVENT_TYPES,
    ChartSpec,
    ErrorEnvelope,
    OkEnvelope,
    PortfolioAnalysis,
    RebalanceRecommendation,
    ReportPayload,
    Result,
    RetirementPayload,
    SummaryPayload,
    data_event_adapter,
)
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_LLM_MODELS: tuple[type[BaseModel], ...] = (
    PortfolioAnalysis,
    RebalanceRecommendation,
    ReportPayload,
    ChartSpec,
    RetirementPayload,
    SummaryPayload,
)


def _with_dialect(schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": _DIALECT, **schema}


def result_models() -> list[type[Result]]:
    """Every result an event names, once, in event order."""
    seen: dict[type[Result], None] = {}
    for event in EVENT_TYPES:
        seen.setdefault(event.result_model(), None)
    return list(seen)


def schemas() -> Iterator[tuple[str, dict[str, Any]]]:
    """(relative path, schema) for everything the command writes."""
    for event in EVENT_TYPES:
        yield f"events/{event.__name__}.json", _with_dialect(event.model_json_schema())
    results: list[type[Result]] = result_models()
    for model in results:
        yield (
            f"results/{model.__name__}.json",
            _with_dialect(model.model_json_schema(mode="serialization")),
        )
    yield "DataEvent.json", _with_dialect(data_event_adapter().json_schema())
    envelope: TypeAdapter[Any] = TypeAdapter(OkEnvelope[Result] | ErrorEnvelope)
    yield "Envelope.json", _with_dialect(envelope.json_schema(mode="serialization"))
    from alex_schemas.sqs import DataEventSqsEvent

    yield "DataEventSqsEvent.json", _with_dialect(DataEventSqsEvent.model_json_schema())
    mode: JsonSchemaMode = "validation"
    for llm in _LLM_MODELS:
        yield f"llm/{llm.__name__}.json", _with_dialect(llm.model_json_schema(mode=mode))


def write(out: pathlib.Path) -> list[pathlib.Path]:
    written = []
    for relative, schema in schemas():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


def run(args: argparse.Namespace) -> int:
    out = pathlib.Path(args.out)
    written = write(out)
    print(f"wrote {len(written)} JSON Schemas to {out}")
    return 0
