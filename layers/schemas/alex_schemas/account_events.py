"""The accounts' and positions' events, and GetPortfolio (alex_schemas.events lists every event)."""

from decimal import Decimal
from typing import Annotated, Final, Literal
from uuid import uuid4

from pydantic import Field, StringConstraints, model_validator

from alex_schemas.event_base import UserEvent
from alex_schemas.results import AccountView, Deleted, Portfolio, PositionView
from alex_schemas.vocab import (
    AccountName,
    AccountType,
    IsoDate,
    Money,
    Quantity,
    Rate,
    Symbol,
    Text,
    Uuid,
)


class CreateAccount(UserEvent[AccountView]):
    """Create an account; replaying it with the same `account_id` returns the same account."""

    type: Literal["CreateAccount"] = "CreateAccount"
    account_id: Uuid = Field(default_factory=uuid4)
    account_name: AccountName
    account_purpose: Annotated[Text, StringConstraints(max_length=2000)] | None = None
    account_type: AccountType = AccountType.OTHER
    cash_balance: Money = Decimal(0)
    cash_interest: Rate = Decimal(0)


_UPDATE_KEYS: Final = frozenset({"type", "clerk_user_id", "account_id"})


class UpdateAccount(UserEvent[AccountView]):
    """Change the fields given (at least one); None keeps the stored value."""

    type: Literal["UpdateAccount"] = "UpdateAccount"
    account_id: Uuid
    account_name: AccountName | None = None
    account_purpose: Annotated[Text, StringConstraints(max_length=2000)] | None = None
    account_type: AccountType | None = None
    cash_balance: Money | None = None
    cash_interest: Rate | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> "UpdateAccount":
        changed = {
            name for name in self.model_fields_set - _UPDATE_KEYS if getattr(self, name) is not None
        }
        if not changed:
            msg = "UpdateAccount needs at least one field to change"
            raise ValueError(msg)
        return self


class DeleteAccount(UserEvent[Deleted]):
    """Delete the account and its positions."""

    type: Literal["DeleteAccount"] = "DeleteAccount"
    account_id: Uuid


class UpsertPosition(UserEvent[PositionView]):
    """Set the quantity held of `symbol` in the account (positions are keyed by
    (account_id, symbol)); `as_of_date` defaults to today (UTC) on the server."""

    type: Literal["UpsertPosition"] = "UpsertPosition"
    account_id: Uuid
    symbol: Symbol
    quantity: Quantity
    as_of_date: IsoDate | None = None


class DeletePosition(UserEvent[Deleted]):
    type: Literal["DeletePosition"] = "DeletePosition"
    account_id: Uuid
    symbol: Symbol


class GetPortfolio(UserEvent[Portfolio]):
    """The user, every account with its positions, every instrument held (once): one read."""

    type: Literal["GetPortfolio"] = "GetPortfolio"
