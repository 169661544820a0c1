"""The size tier: every event at the largest size its schema allows, and the largest state,
through the real handler against the local Data API with every limit on (64 KB rows, 1 MiB
responses, 4 MiB requests).

Each event answers its result, or a typed error that names the limit and writes nothing;
never `Internal`. The endpoint refuses rows over 32 KB, our row budget (half of Aurora's 64 KB),
and the last test checks that every repository statement ran here: so every statement is held
to the budget at the largest sizes the schemas allow. Text is made of 4-byte characters where
that is the worst case (UTF-8 bytes in rows, 12 escaped bytes each in a request).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from alex_data.gateway import Gateway
from alex_data.handler import build_handler
from alex_data.repositories import accounts, instruments, jobs, portfolio, positions, users
from alex_data_dev.local_data_api import LocalDataApi
from alex_data_dev.testing import InProcessTransport
from alex_schemas.client import DataClient
from alex_schemas.errors import InternalError, ValidationFailedError
from alex_schemas.events import (
    EVENT_TYPES,
    MAX_BATCH_ROWS,
    CompleteJob,
    CreateAccount,
    CreateJob,
    DeleteAccount,
    DeletePosition,
    Event,
    FailJob,
    GetInstruments,
    GetJob,
    GetPortfolio,
    GetUser,
    InstrumentIn,
    ListInstruments,
    ListJobs,
    PriceIn,
    StartJob,
    UpdateAccount,
    UpdateCharts,
    UpdatePrices,
    UpdateReport,
    UpdateRetirement,
    UpdateSummary,
    UpsertInstruments,
    UpsertPosition,
    UpsertUser,
)
from alex_schemas.limits import JOB_PAYLOADS_BYTES, PAYLOAD_BYTES, ROW_BUDGET_BYTES
from alex_schemas.payloads import (
    ChartDataPoint,
    ChartSpec,
    ReportPayload,
    RetirementPayload,
    SummaryPayload,
)
from alex_schemas.results import Result
from alex_schemas.vocab import AssetClass, InstrumentType, Region, Sector
from pydantic import BaseModel

from tests.integration.function.conftest import answered_as_the_model_writes, make_gateway

pytestmark = pytest.mark.size

R = TypeVar("R", bound=Result)
WIDE = "😀"  # 4 bytes of UTF-8; 12 bytes once escaped in a JSON request
MB = 1_000_000


def _split(keys: list[Any]) -> dict[Any, Decimal]:
    """Every key of a vocabulary, shares summing to 100 with the most digits allowed."""
    share = (Decimal(100) / len(keys)).quantize(Decimal("0.000001"))
    split = dict.fromkeys(keys, share)
    split[keys[0]] += Decimal(100) - sum(split.values())
    return split


class Digest(BaseModel):
    digest: str | None


# What the user owns (users, accounts, positions, jobs), as one digest: a refused event must
# leave it as it was.
_OWNED = """
SELECT jsonb_build_object('digest', md5(concat_ws('|',
    (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM users AS t
     WHERE t.clerk_user_id = :u),
    (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM accounts AS t
     WHERE t.clerk_user_id = :u),
    (SELECT string_agg(p::text, ',' ORDER BY p::text) FROM positions AS p
     JOIN accounts AS a ON a.id = p.account_id WHERE a.clerk_user_id = :u),
    (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM jobs AS t
     WHERE t.clerk_user_id = :u))))
"""


class Tier:
    def __init__(self, db: Gateway, user: str, tag: str) -> None:
        self.db = db
        self.user = user
        self.tag = tag
        self.client = DataClient(transport=InProcessTransport(build_handler(database=lambda: db)))

    def call(self, event: Event[R]) -> R:
        try:
            return self.client.call(event)
        except InternalError as exc:  # never acceptable here
            pytest.fail(f"{type(event).__name__} answered Internal: {exc}")

    def owned(self) -> str | None:
        found = self.db.session().document(_OWNED, {"u": self.user}, Digest)
        return found.digest if found else None

    def refused(self, event: Event[Any], match: str) -> None:
        """The event is a ValidationError naming `match`, and nothing the user owns changed."""
        before = self.owned()
        with pytest.raises(ValidationFailedError, match=match):
            self.client.call(event)
        assert self.owned() == before

    def symbol(self, n: int) -> str:
        return f"Z{self.tag}{n:04d}".ljust(20, "Q")

    def instruments(self, count: int = MAX_BATCH_ROWS) -> list[InstrumentIn]:
        return [
            InstrumentIn(
                symbol=self.symbol(n),
                name=WIDE * 255,
                instrument_type=InstrumentType.ETF,
                current_price=Decimal("12345678.1234"),
                allocation_regions=_split(list(Region)),
                allocation_sectors=_split(list(Sector)),
                allocation_asset_class=_split(list(AssetClass)),
            )
            for n in range(count)
        ]

    def account(self) -> uuid.UUID:
        made = self.call(
            CreateAccount(
                clerk_user_id=self.user,
                account_name=WIDE * 255,
                account_purpose=WIDE * 2000,
                cash_balance=Decimal("9999999999.99"),
                cash_interest=Decimal("0.9999"),
            )
        )
        return made.id

    def hold(self, account_id: uuid.UUID, count: int) -> None:
        """`count` positions in the account, one per instrument, written in one statement."""
        self.db.session().execute(
            "INSERT INTO positions (account_id, symbol, quantity, as_of_date) "
            "SELECT CAST(:a AS uuid), i.symbol, 999999999999.99999999, DATE '2026-12-01' "
            "FROM instruments AS i WHERE i.symbol LIKE :prefix ORDER BY i.symbol "
            "LIMIT CAST(:n AS integer)",
            {"a": account_id, "prefix": f"Z{self.tag}%", "n": count},
        )

    def job(self, **payload: Any) -> uuid.UUID:
        made = self.call(CreateJob(clerk_user_id=self.user, **payload))
        self.call(StartJob(clerk_user_id=self.user, job_id=made.id))
        return made.id


class _Recording:
    """The gateway's boto3 client, remembering each statement's SQL."""

    def __init__(self, inner: Any, seen: set[str]) -> None:
        self._inner = inner
        self._seen = seen

    def execute_statement(self, **kwargs: Any) -> Any:
        self._seen.add(kwargs["sql"])
        return self._inner.execute_statement(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


STATEMENTS_RUN: set[str] = set()


@pytest.fixture(scope="module")
def budget(local_data_api: LocalDataApi, migrated: Gateway) -> Iterator[Gateway]:
    """A gateway on an endpoint of the same database that refuses rows over the row budget."""
    with LocalDataApi(dsn=local_data_api.dsn, row_limit_kib=ROW_BUDGET_BYTES // 1024) as api:
        gateway = make_gateway(api)
        gateway.client = _Recording(gateway.client, STATEMENTS_RUN)
        yield gateway


@pytest.fixture(scope="module")
def catalogue(budget: Gateway) -> Iterator[str]:
    """2,000 instruments of the largest size, shared by the module's tests; their tag."""
    tag = uuid.uuid4().hex[:6].upper()
    tier = Tier(budget, "nobody", tag)
    every = tier.instruments(2000)
    for start in range(0, len(every), MAX_BATCH_ROWS):
        upserted = tier.call(UpsertInstruments(instruments=every[start : start + MAX_BATCH_ROWS]))
        assert upserted.upserted == MAX_BATCH_ROWS
    yield tag
    # the tests' users (and with them their positions) are gone by now
    budget.session().execute("DELETE FROM instruments WHERE symbol LIKE :p", {"p": f"Z{tag}%"})


@pytest.fixture
def tier(budget: Gateway, catalogue: str) -> Iterator[Tier]:
    user = f"user_size_{uuid.uuid4().hex[:12]}"
    made = Tier(budget, user, catalogue)
    made.call(
        UpsertUser(
            clerk_user_id=user,
            display_name=WIDE * 255,
            years_until_retirement=100,
            target_retirement_income=Decimal("9999999999.99"),
            asset_class_targets=_split(list(AssetClass)),
            region_targets=_split(list(Region)),
        )
    )
    yield made
    budget.session().execute("DELETE FROM users WHERE clerk_user_id = :u", {"u": user})


# --- users, instruments, accounts, positions ---------------------------------------------------


def test_the_largest_user_instrument_and_account_events(tier: Tier) -> None:
    user = tier.call(GetUser(clerk_user_id=tier.user))
    assert user.display_name == WIDE * 255
    # the largest batches: 500 instruments of 255 wide characters with every allocation key
    again = tier.call(UpsertInstruments(instruments=tier.instruments()))
    assert again.upserted == MAX_BATCH_ROWS
    prices = [PriceIn(symbol=tier.symbol(n), current_price=Decimal("1.5")) for n in range(500)]
    assert tier.call(UpdatePrices(prices=prices)).updated == MAX_BATCH_ROWS
    symbols = [tier.symbol(n) for n in range(MAX_BATCH_ROWS)]
    found = tier.call(GetInstruments(symbols=symbols))
    assert [i.symbol for i in found.instruments] == symbols
    assert found.instruments[0].name == WIDE * 255
    page = tier.call(ListInstruments(limit=MAX_BATCH_ROWS, cursor=None))
    assert len(page.items) == MAX_BATCH_ROWS
    # the largest account, changed, a position in it, deleted
    account_id = tier.account()
    changed = tier.call(
        UpdateAccount(clerk_user_id=tier.user, account_id=account_id, account_purpose="😀" * 2000)
    )
    assert changed.account_purpose == WIDE * 2000
    held = tier.call(
        UpsertPosition(
            clerk_user_id=tier.user,
            account_id=account_id,
            symbol=tier.symbol(0),
            quantity=Decimal("999999999999.99999999"),
        )
    )
    assert held.quantity == Decimal("999999999999.99999999")
    gone = DeletePosition(clerk_user_id=tier.user, account_id=account_id, symbol=tier.symbol(0))
    assert tier.call(gone).deleted
    assert tier.call(DeleteAccount(clerk_user_id=tier.user, account_id=account_id)).deleted


def test_a_portfolio_of_2000_positions_is_answered_whole(tier: Tier) -> None:
    # Given 2,000 positions of 100 of the largest instruments, in 20 accounts of the largest names
    for _ in range(20):
        tier.hold(tier.account(), 100)
    before = tier.db.calls
    # When the portfolio is read
    portfolio = tier.call(GetPortfolio(clerk_user_id=tier.user))
    # Then it is all there, every position with its instrument, in a bounded number of calls
    assert sum(len(a.positions) for a in portfolio.accounts) == 2000
    assert len(portfolio.instruments) == 100
    assert portfolio.instrument(portfolio.accounts[0].positions[0]).name == WIDE * 255
    assert portfolio.total_value > 0
    assert tier.db.calls - before <= 3
    # and its answer is the JSON the model writes for it, byte for byte
    assert answered_as_the_model_writes(tier.db, tier.user) == portfolio


def test_a_portfolio_past_what_lambda_can_return_is_a_typed_error(tier: Tier) -> None:
    # Given one account holding 2,000 distinct instruments of the largest size: about 4 MB of
    # UTF-8, over 8 MB once Lambda's JSON escapes the wide characters
    tier.hold(tier.account(), 2000)
    # When the portfolio is read, then the Data API answers it (chunks, pages) but the handler
    # says it cannot be returned, rather than letting Lambda fail the invoke
    with pytest.raises(ValidationFailedError, match=r"answer to GetPortfolio is [\d,]+ bytes"):
        tier.client.call(GetPortfolio(clerk_user_id=tier.user))


# --- jobs ------------------------------------------------------------------------------------


def test_a_3_mb_report_is_stored_completed_and_read_back(tier: Tier) -> None:
    job_id = tier.job()
    report = ReportPayload(content="# Report\n" + "x" * (3 * MB))
    summary = tier.call(UpdateReport(clerk_user_id=tier.user, job_id=job_id, report_payload=report))
    assert summary.id == job_id
    # CompleteJob on a job holding a large report answers its summary, not the payloads
    done = tier.call(CompleteJob(clerk_user_id=tier.user, job_id=job_id))
    assert done.status == "completed"
    # and the redelivery too
    assert tier.call(CompleteJob(clerk_user_id=tier.user, job_id=job_id)).status == "completed"
    job = tier.call(GetJob(clerk_user_id=tier.user, job_id=job_id))
    assert job.report_payload is not None
    assert job.report_payload.content == report.content


def test_a_2_mb_request_payload_is_created_and_redelivered(tier: Tier) -> None:
    event = CreateJob(clerk_user_id=tier.user, request_payload={"notes": "n" * (2 * MB)})
    first = tier.call(event)
    again = tier.call(event)
    assert first.id == again.id == event.job_id
    assert again.request_payload == event.request_payload


def test_a_5_mb_report_is_a_validation_error_naming_the_limit(tier: Tier) -> None:
    job_id = tier.job()
    report = ReportPayload.model_construct(content="x" * (5 * MB), agent="reporter")
    event = UpdateReport.model_construct(
        type="UpdateReport", clerk_user_id=tier.user, job_id=job_id, report_payload=report
    )
    # the function's own check, as a caller that skipped the layer's validation would meet it
    tier.refused(event, rf"5,000,\d{{3}} bytes as JSON, over the {PAYLOAD_BYTES:,} bytes")


def test_a_report_that_escapes_past_4_mib_is_refused_before_it_is_sent(tier: Tier) -> None:
    # 2.5 MB of 4-byte characters is a valid payload but 7.5 MB as a Data API request
    job_id = tier.job()
    report = ReportPayload(content=WIDE * 625_000)
    event = UpdateReport(clerk_user_id=tier.user, job_id=job_id, report_payload=report)
    tier.refused(event, r"request is [\d,]+ bytes as sent to the Data API, over .* 4 MiB")


def test_payloads_past_what_one_job_may_hold_are_refused(tier: Tier) -> None:
    job_id = tier.job(request_payload={"notes": "n" * (3 * MB)})
    report = ReportPayload(content="x" * (3 * MB))
    event = UpdateReport(clerk_user_id=tier.user, job_id=job_id, report_payload=report)
    tier.refused(event, rf"over the {JOB_PAYLOADS_BYTES:,} bytes \(4 MiB\) one job may hold")


def test_the_largest_charts_retirement_and_summary(tier: Tier) -> None:
    job_id = tier.job()
    point = ChartDataPoint(name=WIDE * 255, value=Decimal(1), percentage=Decimal(1), color="#fff")
    charts = {
        f"chart_{n}": ChartSpec(
            title=WIDE * 255, description=WIDE * 2000, type="pie", data=[point] * 100
        )
        for n in range(20)
    }
    # 20 x 100 points of wide text: within a payload, over a Data API request once escaped
    event = UpdateCharts(clerk_user_id=tier.user, job_id=job_id, charts_payload=charts)
    tier.refused(event, "4 MiB")
    ascii_point = point.model_copy(update={"name": "n" * 255})
    ascii_charts = {
        key: spec.model_copy(update={"title": "t" * 255, "data": [ascii_point] * 100})
        for key, spec in charts.items()
    }
    tier.call(UpdateCharts(clerk_user_id=tier.user, job_id=job_id, charts_payload=ascii_charts))
    analysis = RetirementPayload(analysis="r" * (PAYLOAD_BYTES - 200))
    tier.call(UpdateRetirement(clerk_user_id=tier.user, job_id=job_id, retirement_payload=analysis))
    # the job now holds about 3.6 MB: a large summary would take it past 4 MiB
    patch = SummaryPayload(summary="s" * (PAYLOAD_BYTES - 100))
    tier.refused(
        UpdateSummary(clerk_user_id=tier.user, job_id=job_id, summary_payload=patch),
        "one job may hold",
    )
    small = SummaryPayload(summary="s" * 100_000, key_findings=["k" * 1000] * 100)
    tier.call(UpdateSummary(clerk_user_id=tier.user, job_id=job_id, summary_payload=small))
    job = tier.call(GetJob(clerk_user_id=tier.user, job_id=job_id))
    assert job.retirement_payload == analysis
    assert job.charts_payload is not None
    assert len(job.charts_payload) == 20
    assert job.summary_payload is not None
    assert job.summary_payload.summary == "s" * 100_000


def test_a_page_of_jobs_with_the_longest_error_messages(tier: Tier) -> None:
    for _ in range(101):
        job_id = tier.job()
        failed = FailJob(clerk_user_id=tier.user, job_id=job_id, error_message=WIDE * 10_000)
        assert tier.call(failed).error_message is not None
    page = tier.call(ListJobs(clerk_user_id=tier.user, limit=100))
    assert len(page.items) == 100
    assert page.next_cursor is not None
    assert all(j.error_message and len(j.error_message) == 4000 for j in page.items)


# Every event type appears above at its largest; a new one must be added here and there.
COVERED = {
    UpsertUser, GetUser, UpsertInstruments, UpdatePrices, GetInstruments, ListInstruments,
    CreateAccount, UpdateAccount, DeleteAccount, UpsertPosition, DeletePosition, GetPortfolio,
    CreateJob, StartJob, UpdateReport, UpdateCharts, UpdateRetirement, UpdateSummary,
    CompleteJob, FailJob, GetJob, ListJobs,
}  # fmt: skip


def test_every_event_type_is_covered() -> None:
    assert set(EVENT_TYPES) == COVERED


_SQL_VERBS = {"SELECT", "WITH", "INSERT", "UPDATE", "DELETE"}


def _repository_statements() -> dict[str, str]:
    found = {}
    for module in (accounts, instruments, jobs, portfolio, positions, users):
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and value.split()[0] in _SQL_VERBS:
                found[f"{module.__name__.rsplit('.', 1)[1]}.{name}"] = value
    return found


def test_every_repository_statement_ran_within_the_row_budget() -> None:
    # (the tests above ran them against the endpoint that refuses rows over 32 KB)
    statements = _repository_statements()
    assert len(statements) >= 17
    missing = sorted(name for name, sql in statements.items() if sql not in STATEMENTS_RUN)
    assert missing == [], "run each of these in the size tier at its largest"
