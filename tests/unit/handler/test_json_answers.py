"""Lambda's entry point answers a direct invoke's result as the envelope's JSON bytes (which the
runtime sends as they are): the same JSON the dict answer would become, serialized once."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, cast

import alex_data.invocation
import pytest
from alex_data.handler import build_handler
from alex_data.sql_runner import SqlRunner
from alex_data_dev.testing import LocalLambdaContext
from alex_schemas.errors import NotFoundError
from alex_schemas.events import DataEvent
from alex_schemas.results import Result
from aws_lambda_powertools.utilities.typing import LambdaContext

from tests.examples import EVENTS_DIR


class Answer(Result):
    event_type: str
    amount: Decimal
    note: str


class _Database:
    def session(self, seconds: float) -> SqlRunner:
        return cast(SqlRunner, self)


def _answering(event: DataEvent, db: SqlRunner) -> Result:
    if getattr(event, "clerk_user_id", None) == "nobody":
        raise NotFoundError("no user nobody")
    return Answer(event_type=event.type, amount=Decimal("1234.5678"), note="déjà vu ✓")


def _context() -> LambdaContext:
    return cast(LambdaContext, LocalLambdaContext())


def _examples() -> list[dict[str, Any]]:
    paths = sorted(p for p in EVENTS_DIR.glob("*.json") if p.name != "sqs_batch.json")
    return [json.loads(p.read_text()) for p in paths]


@pytest.mark.parametrize("event", _examples(), ids=lambda e: str(e["type"]))
def test_the_json_answer_is_the_dict_answer_encoded(event: dict[str, Any]) -> None:
    as_dict = build_handler(_answering, _Database)(dict(event), _context())
    as_json = build_handler(_answering, _Database, json_answers=True)(dict(event), _context())

    assert isinstance(as_json, bytes)
    assert json.loads(as_json) == as_dict
    assert as_dict["ok"] is True


def test_an_error_stays_the_envelope_dict_the_runtime_encodes() -> None:
    handler = build_handler(_answering, _Database, json_answers=True)

    missing = handler({"type": "GetUser", "clerk_user_id": "nobody"}, _context())

    assert missing == {
        "ok": False,
        "error": {"code": "NotFound", "message": "no user nobody", "retryable": False},
    }


def test_a_json_answer_over_lambdas_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alex_data.invocation, "LAMBDA_SYNC_PAYLOAD_BYTES", 60)
    handler = build_handler(_answering, _Database, json_answers=True)

    answer = handler({"type": "GetUser", "clerk_user_id": "u"}, _context())

    assert answer["ok"] is False
    assert answer["error"]["code"] == "ValidationError"
    assert "over the 60 bytes" in answer["error"]["message"]
