"""The function reads its own database's documents as the result model reads them, in one
native pass (the property tests of each type are tests/unit/schemas/test_json_validators.py),
except the allocation sums: the database's CHECK holds every stored map to that rule."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from types import FrameType

import pytest
from alex_data.codec import decode_document, decode_text_decimals_document
from alex_data.document_validators import document_validator
from alex_schemas.errors import InternalError
from alex_schemas.results import InstrumentView, Portfolio, Result, UserView
from alex_schemas.vocab import Region, RegionAllocation
from pydantic import ValidationError

from tests.unit.schemas.samples import portfolio_payload


class Allocated(Result):
    regions: RegionAllocation


def test_an_allocation_is_not_summed_again_the_database_holds_it() -> None:
    text = '{"regions": {"asia": 10}}'
    with pytest.raises(ValidationError):
        Allocated.model_validate_json(text)
    # The database's CHECK alex_is_allocation refuses this map on every write
    # (tests/integration/function/test_portfolio.py), so the read does not sum it.
    assert document_validator(Allocated).validate_json(text).regions == {Region.ASIA: 10}
    with pytest.raises(ValidationError):
        document_validator(Allocated).validate_json('{"regions": {"asia": 101}}')


def _portfolio_text() -> str:
    return json.dumps(portfolio_payload())


def test_a_portfolio_reads_as_the_model_reads_it() -> None:
    text = _portfolio_text()
    ours = decode_text_decimals_document(text, Portfolio)
    theirs = decode_document(text, Portfolio)
    assert ours == theirs
    assert ours.model_dump_json() == theirs.model_dump_json()
    assert type(ours) is Portfolio
    assert type(ours.instruments["SPY"]) is InstrumentView
    assert type(ours.user) is UserView


def test_a_document_the_model_refuses_is_internal() -> None:
    payload = portfolio_payload()
    payload["accounts"][0]["positions"][0]["symbol"] = "GONE"
    with pytest.raises(InternalError, match="Portfolio"):
        decode_text_decimals_document(json.dumps(payload), Portfolio)


def test_reading_a_portfolio_runs_no_python_but_the_models_own_check() -> None:
    text = _portfolio_text()
    # Built after every model it holds has a validator of its own (as under SnapStart's init),
    # which pydantic-core would otherwise reuse.
    Portfolio.model_validate_json(text)
    document_validator.cache_clear()
    validator = document_validator(Portfolio)
    validator.validate_json(text)
    called: set[str] = set()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            called.add(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        validator.validate_json(text)
    finally:
        sys.setprofile(None)
    python = {name for name in called if "setprofile" not in name}
    assert {name.rsplit(":", 1)[1] for name in python} == {"_every_position_has_its_instrument"}


def test_a_decimal_written_as_a_number_keeps_its_value() -> None:
    text = json.dumps(portfolio_payload()).replace('"1000.50"', "1000.50")
    read = decode_text_decimals_document(text, Portfolio)
    assert read.accounts[0].cash_balance == Decimal("1000.50")
