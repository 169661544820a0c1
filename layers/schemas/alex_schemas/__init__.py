"""alex_schemas: the contract between the Alex agents and the alex-data function.

Events (`GetPortfolio`, `CreateJob`, ...) and `DataEvent`, their union on `type`; one result
model per event; the envelope; the error tree (`errors`: codes and exceptions, raised by the
function and by the client alike); the agents' payloads; the analysis schemas; the
vocabularies. `alex_schemas.client` (boto3) and `alex_schemas.sqs`
(Powertools) are imported only by those who need them; an event is imported on first use, with
the events of its kind only (the first `GetUser` of a cold start does not build the other 20).
"""

from alex_schemas import collector

# The models imported live as long as the process (alex_schemas.collector).
with collector.paused_in_lambda():
    import importlib
    from typing import TYPE_CHECKING, Any

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
    from alex_schemas.parsing import event_model
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

if TYPE_CHECKING:
    from alex_schemas.events import *  # noqa: F403  (the events, listed once: their union)
else:
    # The events load on first use, each with its own kind only (alex_schemas.parsing), and so
    # does the list of every name: mypy reads the events' names from the star import above.
    _EAGER = __all__
    del __all__


def __getattr__(name: str) -> Any:
    if name.startswith("__") and name != "__all__":
        raise AttributeError(name)
    value: Any = event_model(name)
    if value is None:
        events = importlib.import_module("alex_schemas.events")
        if name == "__all__":
            value = [*globals()["_EAGER"], *events.__all__]
        elif name in events.__all__:
            value = getattr(events, name)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
