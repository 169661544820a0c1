"""The agents' analysis outputs, as LLM structured-output (or tool input) schemas.

Descriptions are written for the model reading the JSON Schema. Allocation maps here are
not held to sum to 100: they describe a portfolio an LLM summarised, and refusing a 99.9 %
split would only make it retry; the stored allocation maps (vocab) are strict.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from alex_schemas.vocab import (
    AssetClass,
    Money,
    PatternKeys,
    Percent,
    Quantity,
    Region,
    Sector,
    StrictInteger,
    Symbol,
    Text,
)

__all__ = ["PortfolioAnalysis", "RebalanceRecommendation", "Trade"]

_LLM = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class PortfolioAnalysis(BaseModel):
    """Portfolio analysis results."""

    model_config = _LLM

    total_value: Money = Field(description="Total portfolio value in dollars, 2 decimals.")
    asset_allocation: dict[AssetClass, Percent] = Field(
        description="Current asset class allocation, percent by asset class."
    )
    region_allocation: dict[Region, Percent] = Field(
        description="Current geographic allocation, percent by region."
    )
    sector_allocation: dict[Sector, Percent] = Field(
        description="Current sector allocation, percent by sector."
    )
    risk_score: StrictInteger = Field(
        ge=1, le=10, description="1 (conservative) to 10 (aggressive)."
    )
    recommendations: list[Text] = Field(
        description="Actionable recommendations for the portfolio, one per item."
    )


class Trade(BaseModel):
    model_config = _LLM

    symbol: Symbol = Field(description="Ticker symbol, e.g. SPY.")
    action: Literal["buy", "sell"]
    quantity: Quantity = Field(description="Number of shares, fractional allowed.")


class RebalanceRecommendation(BaseModel):
    """Rebalancing recommendation."""

    model_config = _LLM

    current_allocation: Annotated[dict[Symbol, Percent], PatternKeys] = Field(
        description="Current allocation, percent by instrument symbol."
    )
    target_allocation: Annotated[dict[Symbol, Percent], PatternKeys] = Field(
        description="Recommended allocation, percent by instrument symbol."
    )
    trades: list[Trade] = Field(description="Trades needed to reach the target allocation.")
    rationale: Text = Field(min_length=1, description="Why these changes are recommended.")
