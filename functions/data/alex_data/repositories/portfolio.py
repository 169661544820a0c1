"""The whole portfolio in one statement: the seed ran one query per account and per position."""

from __future__ import annotations

from alex_schemas.results import Portfolio

from alex_data.gateway import SqlRunner

# One JSON document: the user, each account (oldest first) with its positions (by symbol),
# each position with its instrument. No row for an unknown user, so `document` answers None.
# Served by accounts_user_created_idx and positions' (account_id, symbol) unique index.
GET_PORTFOLIO = """
SELECT jsonb_build_object(
    'user', to_jsonb(u),
    'accounts', coalesce(
        (SELECT jsonb_agg(
                    to_jsonb(a) || jsonb_build_object('positions', coalesce(
                        (SELECT jsonb_agg(
                                    to_jsonb(p) || jsonb_build_object('instrument', to_jsonb(i))
                                    ORDER BY p.symbol)
                         FROM positions AS p JOIN instruments AS i ON i.symbol = p.symbol
                         WHERE p.account_id = a.id),
                        '[]'))
                    ORDER BY a.created_at, a.id)
         FROM accounts AS a
         WHERE a.clerk_user_id = u.clerk_user_id),
        '[]')
)
FROM users AS u
WHERE u.clerk_user_id = :clerk_user_id
"""


class PortfolioRepository:
    def __init__(self, db: SqlRunner) -> None:
        self._db = db

    def load(self, clerk_user_id: str) -> Portfolio | None:
        return self._db.document(GET_PORTFOLIO, {"clerk_user_id": clerk_user_id}, Portfolio)
