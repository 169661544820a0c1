"""Accounts: always addressed together with their owner's clerk_user_id."""

from __future__ import annotations

from uuid import UUID

from alex_schemas.account_events import CreateAccount, UpdateAccount
from alex_schemas.results import AccountView

from alex_data.rows import AccountCreation
from alex_data.sql_runner import SqlRunner

# The caller supplies the id. A redelivered CreateAccount meets its own row in ON CONFLICT,
# whose no-op update (the trigger leaves updated_at alone) returns that row as stored, even
# when the first delivery committed only while this statement ran. An id used by another
# user's account is not answered (account = null, id_taken); a missing user is told apart.
CREATE_ACCOUNT = """
WITH written AS (
    INSERT INTO accounts AS a (
        id, clerk_user_id, account_name, account_type, account_purpose,
        cash_balance, cash_interest
    )
    SELECT CAST(:account_id AS uuid), u.clerk_user_id, :account_name, :account_type,
           :account_purpose, CAST(:cash_balance AS numeric), CAST(:cash_interest AS numeric)
    FROM users AS u
    WHERE u.clerk_user_id = :clerk_user_id
    ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id
    WHERE a.clerk_user_id = EXCLUDED.clerk_user_id
    RETURNING a.*
)
SELECT jsonb_build_object(
    'user_found', EXISTS (SELECT FROM users AS u WHERE u.clerk_user_id = :clerk_user_id),
    'id_taken', EXISTS (SELECT FROM accounts AS a WHERE a.id = CAST(:account_id AS uuid)),
    'account', (SELECT to_jsonb(w) FROM written AS w)
)
"""

# Only the columns present in :fields change (jsonb_populate_record over the stored row).
UPDATE_ACCOUNT = """
UPDATE accounts AS a
SET (account_name, account_type, account_purpose, cash_balance, cash_interest) = (
    SELECT r.account_name, r.account_type, r.account_purpose, r.cash_balance, r.cash_interest
    FROM jsonb_populate_record(a, CAST(:fields AS jsonb)) AS r
)
WHERE a.id = CAST(:account_id AS uuid) AND a.clerk_user_id = :clerk_user_id
RETURNING to_jsonb(a)
"""

# Positions go with it (ON DELETE CASCADE).
DELETE_ACCOUNT = """
DELETE FROM accounts AS a
WHERE a.id = CAST(:account_id AS uuid) AND a.clerk_user_id = :clerk_user_id
"""

# The columns UpdateAccount may change.
_ACCOUNT_FIELDS = frozenset(
    {"account_name", "account_type", "account_purpose", "cash_balance", "cash_interest"}
)


class AccountRepository:
    def __init__(self, db: SqlRunner) -> None:
        self._db = db

    def create(self, event: CreateAccount) -> AccountCreation | None:
        return self._db.document(
            CREATE_ACCOUNT,
            {
                "clerk_user_id": event.clerk_user_id,
                "account_id": event.account_id,
                "account_name": event.account_name,
                "account_type": event.account_type,
                "account_purpose": event.account_purpose,
                "cash_balance": event.cash_balance,
                "cash_interest": event.cash_interest,
            },
            AccountCreation,
        )

    def update(self, event: UpdateAccount) -> AccountView | None:
        """Change the fields the event gives of the user's account; None if there is none."""
        # None means "keep what is stored", so only the fields given travel.
        fields = event.model_dump(include=set(_ACCOUNT_FIELDS), exclude_none=True)
        return self._db.document(
            UPDATE_ACCOUNT,
            {
                "clerk_user_id": event.clerk_user_id,
                "account_id": event.account_id,
                "fields": fields,
            },
            AccountView,
        )

    def delete(self, clerk_user_id: str, account_id: UUID) -> bool:
        """True when the user's account was there and is now gone."""
        removed = self._db.execute(
            DELETE_ACCOUNT, {"clerk_user_id": clerk_user_id, "account_id": account_id}
        )
        return removed > 0
