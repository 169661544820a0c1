"""Positions: keyed by (account_id, symbol), reachable only through the owner's account."""

from __future__ import annotations

from uuid import UUID

from alex_schemas.account_events import UpsertPosition

from alex_data.rows import PositionWrite
from alex_data.sql_runner import SqlRunner

# The account must be the user's and the symbol a known instrument; the document says which
# was missing. ON CONFLICT always returns the stored row (also when a duplicate committed while
# this ran). Without an as_of_date a new quantity is dated today (UTC) and an unchanged one
# keeps its date, so a redelivery changes nothing (the trigger leaves updated_at alone).
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
        as_of_date = CASE
            WHEN CAST(:as_of_date AS date) IS NULL AND p.quantity = EXCLUDED.quantity
            THEN p.as_of_date ELSE EXCLUDED.as_of_date
        END
    RETURNING p.*
)
SELECT jsonb_build_object(
    'account_found', EXISTS (SELECT FROM account),
    'instrument_found', EXISTS (SELECT FROM instrument),
    'position', (SELECT to_jsonb(w) FROM written AS w)
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

    def upsert(self, event: UpsertPosition) -> PositionWrite | None:
        return self._db.document(
            UPSERT_POSITION,
            {
                "clerk_user_id": event.clerk_user_id,
                "account_id": event.account_id,
                "symbol": event.symbol,
                "quantity": event.quantity,
                "as_of_date": event.as_of_date,
            },
            PositionWrite,
        )

    def delete(self, clerk_user_id: str, account_id: UUID, symbol: str) -> bool:
        removed = self._db.execute(
            DELETE_POSITION,
            {"clerk_user_id": clerk_user_id, "account_id": account_id, "symbol": symbol},
        )
        return removed > 0
