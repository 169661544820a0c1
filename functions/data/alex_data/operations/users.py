"""UpsertUser, GetUser."""

from __future__ import annotations

from alex_schemas.errors import NotFoundError
from alex_schemas.events import GetUser, UpsertUser
from alex_schemas.results import UserView

from alex_data.repositories.users import USER_FIELDS, UserRepository
from alex_data.sql_runner import SqlRunner


def upsert_user(event: UpsertUser, db: SqlRunner) -> UserView:
    # None means "keep what is stored", so only the fields given travel.
    fields = event.model_dump(include=set(USER_FIELDS), exclude_none=True)
    return UserRepository(db).upsert(event.clerk_user_id, fields)


def get_user(event: GetUser, db: SqlRunner) -> UserView:
    user = UserRepository(db).get(event.clerk_user_id)
    if user is None:
        raise NotFoundError(f"no user {event.clerk_user_id}")
    return user
