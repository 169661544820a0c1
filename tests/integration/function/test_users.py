"""A user reads back digit for digit: the users statements answer the decimal as numeric's text,
which the document validator reads natively."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from alex_data.codec import encode_parameters
from alex_data.gateway import Gateway
from alex_data.repositories.users import GET_USER
from alex_schemas.envelope import ok_json
from alex_schemas.events import GetUser, UpsertUser

from tests.integration.function.conftest import run


@pytest.mark.parametrize("income", ["85000.00", "9999999999.99", "0.10", "0.00", None])
def test_a_users_income_reads_back_exactly(db: Gateway, user: str, income: str | None) -> None:
    given = None if income is None else Decimal(income)
    upserted = run(db, UpsertUser(clerk_user_id=user, target_retirement_income=given))
    found = run(db, GetUser(clerk_user_id=user))
    assert found == upserted
    if income is None:
        assert found.target_retirement_income is None
        assert b'"target_retirement_income":null' in ok_json(found)
    else:
        # numeric(12,2) keeps its two places, and so does the answer
        assert str(found.target_retirement_income) == income
        assert f'"target_retirement_income":"{income}"'.encode() in ok_json(found)
    assert found.created_at.utcoffset() is not None
    assert found.asset_class_targets == {"equity": Decimal(70), "fixed_income": Decimal(30)}


def test_the_users_statements_answer_the_decimal_as_text(db: Gateway, user: str) -> None:
    # What `text_decimals=True` relies on: a decimal that is a JSON string, never a number
    run(db, UpsertUser(clerk_user_id=user, target_retirement_income=Decimal("85000.00")))
    parameters = encode_parameters({"clerk_user_id": user})
    answer = db.request(
        "execute_statement", time.monotonic() + 30, sql=GET_USER, parameters=parameters
    )
    (record,) = answer["records"]
    document = json.loads(record[0]["stringValue"])
    assert document["target_retirement_income"] == "85000.00"
