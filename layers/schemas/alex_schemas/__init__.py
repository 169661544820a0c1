"""alex_schemas: the contract between the Alex agents and the alex-data function.

Events (`GetPortfolio`, `CreateJob`, ...) and `DataEvent`, their union on `type`; one result
model per event; the envelope; the error tree (`errors`: codes and exceptions, raised by the
function and by the client alike); the agents' payloads; the analysis schemas; the
vocabularies. `alex_schemas.client` (boto3) and `alex_schemas.sqs`
(Powertools) are imported only by those who need them.
"""

from alex_schemas import collector

# The models imported live as long as the process (alex_schemas.collector).
with collector.paused():
    from typing import TYPE_CHECKING

    from alex_schemas import events
    from alex_schemas.analysis import PortfolioAnalysis, RebalanceRecommendation, Trade
    from alex_schemas.envelope import ErrorEnvelope, OkEnvelope, parse_envelope
    from alex_schemas.errors import (
        ConflictError,
        DataError,
        ErrorCode,
        ErrorInfo,
        InternalError,
        NotFoundError,
        UnavailableError,
        ValidationFailedError,
    )
    from alex_schemas.events import *  # noqa: F403  (the events, listed once: their union)
    from alex_schemas.payloads import (
        ChartDataPoint,
        ChartsPayload,
        ChartSpec,
        ReportPayload,
        RetirementPayload,
        SummaryPayload,
    )
    from alex_schemas.results import (
        AccountView,
        Deleted,
        InstrumentList,
        InstrumentPage,
        InstrumentsUpserted,
        InstrumentView,
        JobPage,
        JobSummary,
        JobView,
        Portfolio,
        PortfolioAccount,
        PortfolioPosition,
        PositionView,
        PricesUpdated,
        Result,
        UserView,
    )
    from alex_schemas.vocab import (
        AccountType,
        AssetClass,
        InstrumentType,
        JobStatus,
        JobType,
        Region,
        Sector,
    )

__all__ = [
    "AccountType",
    "AccountView",
    "AssetClass",
    "ChartDataPoint",
    "ChartSpec",
    "ChartsPayload",
    "ConflictError",
    "DataError",
    "Deleted",
    "ErrorCode",
    "ErrorEnvelope",
    "ErrorInfo",
    "InstrumentList",
    "InstrumentPage",
    "InstrumentType",
    "InstrumentView",
    "InstrumentsUpserted",
    "InternalError",
    "JobPage",
    "JobStatus",
    "JobSummary",
    "JobType",
    "JobView",
    "NotFoundError",
    "OkEnvelope",
    "Portfolio",
    "PortfolioAccount",
    "PortfolioAnalysis",
    "PortfolioPosition",
    "PositionView",
    "PricesUpdated",
    "RebalanceRecommendation",
    "Region",
    "ReportPayload",
    "Result",
    "RetirementPayload",
    "Sector",
    "SummaryPayload",
    "Trade",
    "UnavailableError",
    "UserView",
    "ValidationFailedError",
    "parse_envelope",
]
if not TYPE_CHECKING:  # mypy takes the star import's names from events itself
    __all__ += events.__all__
