"""UpsertUser, GetUser."""

from __future__ import annotations

from alex_schemas.errors import NotFoundError
from alex_schemas.results import UserView
from alex_schemas.user_events import GetUser, UpsertUser

from alex_data.repositories.users import UserRepository
from alex_data.sql_runner import SqlRunner


def upsert_user(event: UpsertUser, db: SqlRunner) -> UserView:
    return UserRepository(db).upsert(event)


def get_user(event: GetUser, db: SqlRunner) -> UserView:
    user = UserRepository(db).get(event.clerk_user_id)
    if user is None:
        raise NotFoundError(f"no user {event.clerk_user_id}")
    return user
