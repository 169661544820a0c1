"""The whole portfolio in one statement: the seed ran one query per account and per position."""

from __future__ import annotations

from alex_schemas.envelope import ResultJson
from alex_schemas.json_validators import json_answer_codec
from alex_schemas.results import Portfolio

from alex_data.document_validators import document_validator
from alex_data.snapstart import build_before_snapshot
from alex_data.sql_runner import SqlRunner

# One JSON document: the user, each account (oldest first) with its positions (by symbol: what
# is held, how much, as of when), and every instrument held, once, keyed by symbol. Every decimal
# column is written as numeric's text (a JSON string), so the document is validated straight
# from its text with no digit lost to a float (`text_decimals`); allocation maps stay the jsonb
# they are stored as. It comes back in chunks (alex_chunks), so no row passes the row budget
# however many positions there are; no row for an unknown user.
# Served by accounts_user_created_idx and positions' (account_id, symbol) unique index.
GET_PORTFOLIO = """
SELECT c.digest, c.chunk
FROM users AS u
CROSS JOIN LATERAL alex_chunks(
    CAST(jsonb_build_object(
        'user', to_jsonb(u) || jsonb_build_object(
            'target_retirement_income', CAST(u.target_retirement_income AS text)),
        'accounts', coalesce(
            (SELECT jsonb_agg(
                        to_jsonb(a) || jsonb_build_object(
                            'cash_balance', CAST(a.cash_balance AS text),
                            'cash_interest', CAST(a.cash_interest AS text),
                            'positions', coalesce(
                                (SELECT jsonb_agg(jsonb_build_object(
                                            'symbol', p.symbol,
                                            'quantity', CAST(p.quantity AS text),
                                            'as_of_date', p.as_of_date) ORDER BY p.symbol)
                                 FROM positions AS p
                                 WHERE p.account_id = a.id),
                                '[]'))
                        ORDER BY a.created_at, a.id)
             FROM accounts AS a
             WHERE a.clerk_user_id = u.clerk_user_id),
            '[]'),
        'instruments', coalesce(
            (SELECT jsonb_object_agg(i.symbol, jsonb_build_object(
                        'symbol', i.symbol,
                        'name', i.name,
                        'instrument_type', i.instrument_type,
                        'current_price', CAST(i.current_price AS text),
                        'allocation_regions', i.allocation_regions,
                        'allocation_sectors', i.allocation_sectors,
                        'allocation_asset_class', i.allocation_asset_class,
                        'created_at', i.created_at,
                        'updated_at', i.updated_at))
             FROM instruments AS i
             WHERE i.symbol IN (
                 SELECT p.symbol FROM positions AS p JOIN accounts AS a ON a.id = p.account_id
                 WHERE a.clerk_user_id = u.clerk_user_id)),
            '{}')
    ) AS text),
    CAST(:page_start AS integer),
    CAST(:page_rows AS integer)
) AS c
WHERE u.clerk_user_id = :clerk_user_id
"""


# In SnapStart's snapshot; a cold start without it builds the one its first GetPortfolio uses
# (a direct invoke's answer codec, or the document validator), and an account event neither.
build_before_snapshot(document_validator, Portfolio)
build_before_snapshot(json_answer_codec, Portfolio)


class PortfolioRepository:
    def __init__(self, db: SqlRunner) -> None:
        self._db = db

    def load(self, clerk_user_id: str) -> Portfolio | None:
        return self._db.chunked_document(
            GET_PORTFOLIO, {"clerk_user_id": clerk_user_id}, Portfolio, text_decimals=True
        )

    def answer(self, clerk_user_id: str) -> ResultJson | None:
        """`load`, written as the answer (`Portfolio`'s JSON), for a caller that only sends it."""
        return self._db.chunked_answer(GET_PORTFOLIO, {"clerk_user_id": clerk_user_id}, Portfolio)
