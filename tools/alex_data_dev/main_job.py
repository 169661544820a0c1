"""`make run`: one analysis job, end to end, through the real handler on a local Data API.

Starts the embedded default (a throwaway PostgreSQL behind the local RDS Data API; `--dsn`
and `--database` put it on a server and database of the caller's instead), applies
the migrations over the Data API, loads a sample user (instruments, accounts, positions) with
events, then plays one analysis job as the planner's pipeline does: the web API's CreateJob,
the SQS batch carrying the job message, StartJob, UpdatePrices, UpsertInstruments (the
tagger), GetPortfolio, UpdateReport, UpdateCharts, UpdateRetirement, UpdateSummary,
CompleteJob, GetJob. Every event goes through `alex_data.handler.lambda_handler`, as an agent
sends it (a `DataClient` over `alex_data_dev.testing.InProcessTransport`: the JSON a Lambda
invoke or an SQS record would carry), and is printed with its result in brief and the Data
API calls it took (the gateway's counter; printing in `alex_data_dev.ledger`). The sample data
is `alex_data_dev.sample_data`, shared with the benchmarks.

Exits 0 when every event succeeded in one Data API call, 1 otherwise; everything it started
is stopped and removed either way.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stdout
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from alex_schemas.events import (
    CompleteJob,
    CreateJob,
    Event,
    GetJob,
    GetPortfolio,
    StartJob,
    UpdateCharts,
    UpdatePrices,
    UpdateReport,
    UpdateRetirement,
    UpdateSummary,
    UpsertInstruments,
    UpsertPosition,
)
from alex_schemas.payloads import (
    ChartDataPoint,
    ChartSpec,
    ReportPayload,
    RetirementPayload,
    SummaryPayload,
)
from alex_schemas.results import (
    JobView,
    Portfolio,
    Result,
)
from alex_schemas.vocab import AssetClass, JobStatus, JobType

from alex_data_dev.ledger import Ledger, brief, compact, money
from alex_data_dev.sample_data import (
    ACCOUNTS,
    HOLDINGS,
    INSTRUMENTS,
    JOB,
    NEW_PRICES,
    USER,
    VEA_TAGGED,
    investor,
)

if TYPE_CHECKING:
    from alex_data.gateway import Gateway

    from alex_data_dev.local_data_api import LocalDataApi

R = TypeVar("R", bound=Result)

COLOURS = ["#3B82F6", "#10B981", "#F59E0B", "#EF4444", "#8B5CF6", "#6B7280"]
CENT = Decimal("0.01")


class JobFailed(Exception):
    """Something in the story went wrong; the message says what."""


class Pipeline:
    """The agents' side: events through `InProcessTransport(lambda_handler)`."""

    def __init__(self, ledger: Ledger) -> None:
        from alex_data.handler import lambda_handler
        from alex_schemas.client import DataClient

        from alex_data_dev.testing import InProcessTransport

        self._client = DataClient(transport=InProcessTransport(lambda_handler))
        self._ledger = ledger

    def call(self, event: Event[R]) -> R:
        before = self._ledger.counter()
        with _function_output():
            result = self._client.call(event)
        calls = self._ledger.counter() - before
        self._ledger.record(type(event).__name__, compact(event), brief(result), calls)
        return result

    def enqueue(self, event: Event[Any], label: str) -> str:
        """Deliver `event` as the body of a one-record SQS batch; fails on batchItemFailures."""
        before = self._ledger.counter()
        with _function_output():
            message_id = self._client.enqueue(event)
        calls = self._ledger.counter() - before
        answer = f"batchItemFailures: [] (message {message_id[:8]}… committed)"
        body = f"Records[0].body={type(event).__name__} {compact(event)}"
        self._ledger.record(label, body, answer, calls)
        return message_id


@contextmanager
def _function_output() -> Iterator[None]:
    """Powertools prints EMF metrics on stdout, as Lambda expects; here stdout tells the story,
    so what the function prints is held back, and shown (on stderr) only if the call failed."""
    held = io.StringIO()
    try:
        with redirect_stdout(held):
            yield
    except BaseException:
        sys.stderr.write(held.getvalue())
        raise


# --- the agents' work, computed from the portfolio ---------------------------------------


def _shares(values: dict[str, Decimal]) -> list[ChartDataPoint]:
    total = sum(values.values(), Decimal(0))
    points = []
    for n, (name, value) in enumerate(sorted(values.items(), key=lambda kv: -kv[1])):
        share = (value / total * 100).quantize(CENT, ROUND_HALF_UP) if total else Decimal(0)
        points.append(
            ChartDataPoint(
                name=name.replace("_", " ").title(),
                value=value.quantize(CENT, ROUND_HALF_UP),
                percentage=share,
                color=COLOURS[n % len(COLOURS)],
            )
        )
    return points


def asset_mix(portfolio: Portfolio) -> dict[str, Decimal]:
    mix: dict[str, Decimal] = {}
    for account in portfolio.accounts:
        if account.cash_balance:
            mix["cash"] = mix.get("cash", Decimal(0)) + account.cash_balance
        for position in account.positions:
            instrument = portfolio.instrument(position)
            for asset, percent in instrument.allocation_asset_class.items():
                value = portfolio.market_value(position) * percent / 100
                mix[asset.value] = mix.get(asset.value, Decimal(0)) + value
    return mix


def charts(portfolio: Portfolio) -> dict[str, ChartSpec]:
    by_account = {a.account_name: portfolio.account_value(a) for a in portfolio.accounts}
    return {
        "asset_allocation": ChartSpec(
            title="Asset class mix",
            description="Market value by asset class, cash included.",
            type="pie",
            data=_shares(asset_mix(portfolio)),
        ),
        "account_distribution": ChartSpec(
            title="Value by account",
            type="bar",
            data=_shares(by_account),
        ),
    }


def report(portfolio: Portfolio) -> ReportPayload:
    lines = [
        f"# Portfolio report for {portfolio.user.display_name}",
        "",
        f"Total value: **{money(portfolio.total_value)}** across "
        f"{len(portfolio.accounts)} accounts.",
        "",
    ]
    for account in portfolio.accounts:
        lines.append(f"## {account.account_name} ({money(portfolio.account_value(account))})")
        for position in account.positions:
            lines.append(
                f"- {position.symbol}: {position.quantity.normalize()} shares, "
                f"{money(portfolio.market_value(position))}"
            )
    return ReportPayload(content="\n".join(lines), agent="reporter")


def retirement(portfolio: Portfolio) -> RetirementPayload:
    user = portfolio.user
    years = user.years_until_retirement or 0
    # 5 % a year, compounded: an illustration of what the retirement agent writes
    projected = portfolio.total_value * Decimal("1.05") ** years
    income = projected * Decimal("0.04")
    target = user.target_retirement_income or Decimal(0)
    ratio = (income / target * 100).quantize(Decimal(1)) if target else Decimal(0)
    text = (
        f"At 5% a year for {years} years the portfolio grows to about {money(projected)}; "
        f"a 4% withdrawal gives {money(income)} a year, {ratio}% of the "
        f"{money(target)} goal."
    )
    return RetirementPayload(analysis=text, agent="retirement")


# --- the story ---------------------------------------------------------------------------


def load_sample_user(pipeline: Pipeline) -> None:
    pipeline.call(investor(USER))
    pipeline.call(UpsertInstruments(instruments=list(INSTRUMENTS)))
    for account in ACCOUNTS:
        pipeline.call(account)
    for account_id, held in HOLDINGS.items():
        for symbol, quantity in held.items():
            event = UpsertPosition(
                clerk_user_id=USER, account_id=account_id, symbol=symbol, quantity=quantity
            )
            pipeline.call(event)


def play_analysis_job(pipeline: Pipeline) -> JobView:
    ids: dict[str, Any] = {"clerk_user_id": USER, "job_id": JOB}
    # the web API: create the job, then queue the job message (an SQS redelivery of it is
    # harmless: CreateJob with the same job_id answers the same job)
    create = CreateJob(
        clerk_user_id=USER,
        job_id=JOB,
        job_type=JobType.PORTFOLIO_ANALYSIS,
        request_payload={"analysis_type": "portfolio", "options": {"include_retirement": True}},
    )
    pipeline.call(create)
    pipeline.enqueue(create, "SQS batch")
    # the planner
    pipeline.call(StartJob(**ids))
    pipeline.call(UpdatePrices(prices=list(NEW_PRICES)))
    # the tagger classifies what lacked allocations
    pipeline.call(UpsertInstruments(instruments=[VEA_TAGGED]))
    # reporter, charter, retirement specialist read the portfolio and write their parts
    portfolio = pipeline.call(GetPortfolio(clerk_user_id=USER))
    if not all(i.is_classified for i in portfolio.instruments.values()):
        raise JobFailed("an instrument is still unclassified after the tagger's upsert")
    pipeline.call(UpdateReport(**ids, report_payload=report(portfolio)))
    pipeline.call(UpdateCharts(**ids, charts_payload=charts(portfolio)))
    pipeline.call(UpdateRetirement(**ids, retirement_payload=retirement(portfolio)))
    mix = asset_mix(portfolio)
    equity = mix.get(AssetClass.EQUITY.value, Decimal(0)) / portfolio.total_value * 100
    summary = SummaryPayload(
        summary=f"{money(portfolio.total_value)} across {len(portfolio.accounts)} accounts.",
        key_findings=[f"{equity.quantize(Decimal(1))}% equity against a 70% target"],
        recommendations=["Keep contributing to the Roth IRA"],
    )
    pipeline.call(UpdateSummary(**ids, summary_payload=summary))
    pipeline.call(CompleteJob(**ids))
    job = pipeline.call(GetJob(**ids))
    if job.status is not JobStatus.COMPLETED or job.summary_payload is None:
        raise JobFailed(f"the job ended {job.status}, not completed with a summary")
    return job


# Powertools' INFO logs would bury the story; warnings and errors still show.
_QUIET = {"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_TRACE_DISABLED": "true"}


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m alex_data_dev.main_job")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="after the job, keep the endpoint and its data up until Ctrl-C (make run KEEP=1)",
    )
    parser.add_argument(
        "--dsn", help="use this PostgreSQL server instead of starting a throwaway one"
    )
    parser.add_argument(
        "--database", default="alex", help="its database, made if missing (then dropped again)"
    )
    args = parser.parse_args(argv)
    from alex_data_dev.environment import activate_endpoint
    from alex_data_dev.local_data_api import LocalDataApi

    quiet = {name: os.environ.get(name, value) for name, value in _QUIET.items()}
    endpoint = LocalDataApi(dsn=args.dsn, database=args.database)
    try:
        with endpoint as api, activate_endpoint(api.env() | quiet) as gateway:
            status = _story(gateway, api.endpoint_url, out)
            if args.keep:
                _keep_serving(api, out)
    except Exception as exc:  # the exit status and this line are the report
        print(f"\nmain job FAILED: {type(exc).__name__}: {exc}", file=out)
        status = 1
    # the `with` has closed everything it opened, whichever way the story ended
    if args.dsn is None:
        print("local Data API stopped, its PostgreSQL and files removed", file=out)
    else:
        print(f"local Data API stopped, database {args.database} dropped if it made it", file=out)
    return status


def _keep_serving(api: LocalDataApi, out: TextIO) -> None:
    """Leave the job's data and the endpoint up to explore, until a stop signal."""
    from alex_data_dev.serve import export_lines, psql_command, stop_on_signals

    with stop_on_signals() as stop:
        print("\nKEEP: the endpoint and the job's data stay up. In another terminal:", file=out)
        for line in export_lines(api):
            print(f"  {line}", file=out)
        print("  .venv/bin/alex-data invoke events/get_job.json   # or psql:", file=out)
        print(f"  {psql_command(api)}", file=out)
        print("Ctrl-C (or closing this terminal) stops it and removes everything", file=out)
        out.flush()
        while not stop.wait(0.5):
            pass


def _story(gateway: Gateway, endpoint_url: str, out: TextIO) -> int:
    from alex_data.migrate import apply_migrations

    print(f"local Data API on {endpoint_url} (throwaway PostgreSQL)", file=out)
    applied = apply_migrations(gateway.session())
    print(f"migrations applied over the Data API: {', '.join(applied) or 'none'}", file=out)

    ledger = Ledger(out=out, counter=lambda: gateway.calls)
    pipeline = Pipeline(ledger)
    print(f"\nsample user {USER}: instruments, accounts, positions", file=out)
    load_sample_user(pipeline)
    loaded = len(ledger.steps)
    print(f"\nanalysis job {JOB}", file=out)
    job = play_analysis_job(pipeline)

    story = ledger.steps[loaded:]
    calls = sum(n for _, n in story)
    print(
        f"\njob {job.status}: {len(story)} events, {calls} Data API calls "
        f"(sample data: {loaded} events, {sum(n for _, n in ledger.steps[:loaded])} calls)",
        file=out,
    )
    heavy = [(label, n) for label, n in ledger.steps if n != 1]
    if heavy:
        print(f"events not in one call: {heavy}", file=out)
        return 1
    print("every event: one Data API call", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
