"""What the agents write into a job: report, charts, retirement analysis, summary.

Shapes follow what the agents write (reporter `{content, generated_at, agent}`, charter's chart
specs for Recharts, retirement `{analysis, generated_at, agent}`, planner's summary), typed
so a malformed payload is refused when written instead of breaking the front end later.
"""

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints

from alex_schemas.vocab import (
    ExactNumber,
    JsonMember,
    PatternKeys,
    Percent,
    StorableText,
    Text,
    TextKeysSchema,
    UtcDatetime,
    utc_now,
)

__all__ = [
    "ChartDataPoint",
    "ChartKey",
    "ChartSpec",
    "ChartType",
    "ChartsPayload",
    "ReportPayload",
    "RetirementPayload",
    "SummaryPayload",
]

_PAYLOAD = ConfigDict(defer_build=True, extra="forbid", frozen=True)

ChartType = Literal["pie", "bar", "donut", "horizontalBar", "line"]
ChartKey = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_]{1,64}$"), StorableText
]
# CSS hex colours: #RGB, #RGBA, #RRGGBB, #RRGGBBAA
HexColor = Annotated[
    str,
    StringConstraints(
        pattern=r"^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$"
    ),
    StorableText,
]
ChartNumber = Annotated[Decimal, Field(allow_inf_nan=False), ExactNumber]


class ReportPayload(BaseModel):
    """The reporter's analysis, markdown."""

    model_config = _PAYLOAD

    content: Text = Field(min_length=1, description="The report, in markdown.")
    generated_at: UtcDatetime = Field(default_factory=utc_now)
    agent: Text = Field(default="reporter", min_length=1, max_length=64)


class ChartDataPoint(BaseModel):
    model_config = _PAYLOAD

    name: Text = Field(min_length=1, max_length=255, description="Slice or bar label.")
    value: ChartNumber = Field(description="Absolute value, usually dollars.")
    percentage: Percent = Field(description="Share of the chart's total, percent.")
    color: HexColor = Field(description="Hex colour such as #3B82F6.")


class ChartSpec(BaseModel):
    """One chart as the charter writes it, ready for a Recharts component."""

    model_config = _PAYLOAD

    title: Text = Field(min_length=1, max_length=255)
    description: Text = Field(default="", max_length=2000)
    type: ChartType
    data: list[ChartDataPoint] = Field(min_length=1, max_length=100)


# chart key (e.g. "asset_allocation") -> chart
ChartsPayload = Annotated[dict[ChartKey, ChartSpec], PatternKeys]


class RetirementPayload(BaseModel):
    """The retirement specialist's projection, markdown."""

    model_config = _PAYLOAD

    analysis: Text = Field(min_length=1, description="The projection, in markdown.")
    generated_at: UtcDatetime = Field(default_factory=utc_now)
    agent: Text = Field(default="retirement", min_length=1, max_length=64)


class SummaryPayload(BaseModel):
    """The planner's summary: the keys it writes typed, other keys kept.

    The summary is built by shallow merges (`UpdateSummary` sends the keys set), so agents
    may add their own keys; those come back in `model_extra`.
    """

    # Extra keys are free JSON as jsonb stores it (JsonMember), their names Text.
    model_config = ConfigDict(
        defer_build=True, extra="allow", frozen=True, json_schema_extra=TextKeysSchema
    )
    __pydantic_extra__: dict[str, JsonMember] = Field(init=False)

    summary: Text | None = None
    key_findings: list[Text] | None = None
    recommendations: list[Text] | None = None
    completed_at: UtcDatetime | None = None

    def as_patch(self) -> dict[str, JsonValue]:
        """The keys that were set (fields and extras), as the JSON object `UpdateSummary`
        merges."""
        patch: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        return patch
