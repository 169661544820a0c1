"""Positions: keyed by (account_id, symbol), reachable only through the owner's account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from alex_data.gateway import SqlRunner
from alex_data.rows import PositionWrite

# The account must be the user's and the symbol a known instrument; the document says which
# was missing. A quantity already stored is left alone (no updated_at churn on redelivery);
# without an as_of_date the position is dated today (UTC) when the quantity changes.
UPSERT_POSITION = """
WITH account AS (
    SELECT a.id FROM accounts AS a
    WHERE a.id = CAST(:account_id AS uuid) AND a.clerk_user_id = :clerk_user_id
), instrument AS (
    SELECT i.symbol FROM instruments AS i WHERE i.symbol = :symbol
), written AS (
    INSERT INTO positions AS p (account_id, symbol, quantity, as_of_date)
    SELECT account.id, instrument.symbol, CAST(:quantity AS numeric),
           coalesce(CAST(:as_of_date AS date), CAST(now() AT TIME ZONE 'UTC' AS date))
    FROM account, instrument
    ON CONFLICT (account_id, symbol) DO UPDATE SET
        quantity = EXCLUDED.quantity,
        as_of_date = EXCLUDED.as_of_date
    WHERE p.quantity <> EXCLUDED.quantity
       OR (CAST(:as_of_date AS date) IS NOT NULL AND p.as_of_date <> EXCLUDED.as_of_date)
    RETURNING p.*
)
SELECT jsonb_build_object(
    'account_found', EXISTS (SELECT FROM account),
    'instrument_found', EXISTS (SELECT FROM instrument),
    'position', coalesce(
        (SELECT to_jsonb(w) FROM written AS w),
        (SELECT to_jsonb(p) FROM positions AS p JOIN account AS a ON a.id = p.account_id
         WHERE p.symbol = :symbol)
    )
)
"""

DELETE_POSITION = """
DELETE FROM positions AS p
USING accounts AS a
WHERE p.account_id = a.id
  AND a.id = CAST(:account_id AS uuid)
  AND a.clerk_user_id = :clerk_user_id
  AND p.symbol = :symbol
"""


class PositionRepository:
    def __init__(self, db: SqlRunner) -> None:
        self._db = db

    def upsert(
        self,
        clerk_user_id: str,
        account_id: UUID,
        symbol: str,
        quantity: Decimal,
        as_of_date: date | None,
    ) -> PositionWrite | None:
        return self._db.document(
            UPSERT_POSITION,
            {
                "clerk_user_id": clerk_user_id,
                "account_id": account_id,
                "symbol": symbol,
                "quantity": quantity,
                "as_of_date": as_of_date,
            },
            PositionWrite,
        )

    def delete(self, clerk_user_id: str, account_id: UUID, symbol: str) -> bool:
        removed = self._db.execute(
            DELETE_POSITION,
            {"clerk_user_id": clerk_user_id, "account_id": account_id, "symbol": symbol},
        )
        return removed > 0
