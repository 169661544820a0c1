"""The users' events (alex_schemas.events lists every event)."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from alex_schemas.event_base import UserEvent
from alex_schemas.results import UserView
from alex_schemas.vocab import AssetClassAllocation, IntegerOnly, Money, RegionAllocation, Text


class UpsertUser(UserEvent[UserView]):
    """Create the user or update the fields given; omitted (None) fields keep their value,
    or on insert take the column default (targets: equity 70 / fixed_income 30 and
    north_america 50 / international 50)."""

    type: Literal["UpsertUser"] = "UpsertUser"
    display_name: Annotated[Text, StringConstraints(min_length=1, max_length=255)] | None = None
    years_until_retirement: Annotated[int, Field(ge=0, le=100), IntegerOnly] | None = None
    target_retirement_income: Money | None = None
    asset_class_targets: AssetClassAllocation | None = None
    region_targets: RegionAllocation | None = None


class GetUser(UserEvent[UserView]):
    type: Literal["GetUser"] = "GetUser"
