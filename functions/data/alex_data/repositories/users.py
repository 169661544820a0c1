"""Users: get, and upsert of the fields given."""

from __future__ import annotations

from alex_schemas.errors import InternalError
from alex_schemas.results import UserView
from alex_schemas.user_events import UpsertUser

from alex_data.document_validators import document_validator
from alex_data.snapstart import build_before_snapshot
from alex_data.sql_runner import SqlRunner

# Both statements answer the row with its decimal as numeric's text (a JSON string), so the
# document is validated natively, straight from the text (`text_decimals`).
#
# Insert, or update only the fields present in :fields (jsonb_populate_record over the stored
# row keeps the others). On insert an absent target takes the seed's default, spelt out again
# here because a default cannot be asked for conditionally inside an INSERT ... SELECT.
UPSERT_USER = """
WITH given AS (SELECT CAST(:fields AS jsonb) AS f)
INSERT INTO users AS u (
    clerk_user_id, display_name, years_until_retirement, target_retirement_income,
    asset_class_targets, region_targets
)
SELECT
    :clerk_user_id,
    r.display_name,
    r.years_until_retirement,
    r.target_retirement_income,
    coalesce(r.asset_class_targets, '{"equity": 70, "fixed_income": 30}'),
    coalesce(r.region_targets, '{"north_america": 50, "international": 50}')
FROM given, jsonb_populate_record(NULL::users, given.f) AS r
ON CONFLICT (clerk_user_id) DO UPDATE SET (
    display_name, years_until_retirement, target_retirement_income,
    asset_class_targets, region_targets
) = (
    SELECT r.display_name, r.years_until_retirement, r.target_retirement_income,
           r.asset_class_targets, r.region_targets
    FROM jsonb_populate_record(u, CAST(:fields AS jsonb)) AS r
)
RETURNING to_jsonb(u) || jsonb_build_object(
    'target_retirement_income', u.target_retirement_income::text
)
"""

GET_USER = """
SELECT to_jsonb(u) || jsonb_build_object(
    'target_retirement_income', u.target_retirement_income::text
)
FROM users AS u WHERE u.clerk_user_id = :clerk_user_id
"""

# The columns UpsertUser may set (the rest belong to the database).
_USER_FIELDS = frozenset(
    {
        "display_name",
        "years_until_retirement",
        "target_retirement_income",
        "asset_class_targets",
        "region_targets",
    }
)


# In SnapStart's snapshot; without it, built by the first GetUser or UpsertUser.
build_before_snapshot(document_validator, UserView)


class UserRepository:
    def __init__(self, db: SqlRunner) -> None:
        self._db = db

    def upsert(self, event: UpsertUser) -> UserView:
        """Create the user or change the fields the event gives; other columns are kept."""
        # None means "keep what is stored", so only the fields given travel.
        fields = event.model_dump(include=set(_USER_FIELDS), exclude_none=True)
        user = self._db.document(
            UPSERT_USER,
            {"clerk_user_id": event.clerk_user_id, "fields": fields},
            UserView,
            text_decimals=True,
        )
        if user is None:  # an upsert always returns its row
            raise InternalError("the user upsert returned no row")
        return user

    def get(self, clerk_user_id: str) -> UserView | None:
        return self._db.document(
            GET_USER, {"clerk_user_id": clerk_user_id}, UserView, text_decimals=True
        )
