"""An agent Lambda written against alex_schemas, as an agent's developer would write it.

mypy --strict checks this file with the rest of `tests/` (`make typecheck`): the
`assert_type` lines fail the type check if `DataClient.call` ever stops returning the
event's own result type. `test_reporter_agent.py` runs it against an in-process handler.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, assert_type
from uuid import UUID

from alex_schemas import (
    GetPortfolio,
    JobSummary,
    NotFoundError,
    Portfolio,
    ReportPayload,
    UpdateReport,
)
from alex_schemas.client import DataClient


def write_report(portfolio: Portfolio) -> str:
    lines = [
        f"# Portfolio report for {portfolio.user.display_name or portfolio.user.clerk_user_id}"
    ]
    total = portfolio.total_value
    lines.append(f"Total value: ${total:,.2f}")
    for account in portfolio.accounts:
        lines.append(f"## {account.account_name} ({account.account_type})")
        for position in account.positions:
            share = portfolio.market_value(position) / total * 100 if total else Decimal(0)
            lines.append(f"- {position.symbol}: {position.quantity} units, {share:.1f}%")
    unclassified = sorted(s for s, i in portfolio.instruments.items() if not i.is_classified)
    if unclassified:
        lines.append(f"Not yet classified: {', '.join(unclassified)}")
    return "\n".join(lines)


def lambda_handler(
    event: dict[str, Any], context: object, client: DataClient | None = None
) -> dict[str, Any]:
    client = client or DataClient()
    clerk_user_id = str(event["clerk_user_id"])
    job_id = UUID(str(event["job_id"]))
    try:
        portfolio = client.call(GetPortfolio(clerk_user_id=clerk_user_id))
    except NotFoundError:
        return {"ok": False, "reason": "no such user"}
    assert_type(portfolio, Portfolio)

    report = ReportPayload(content=write_report(portfolio))
    job = client.call(
        UpdateReport(clerk_user_id=clerk_user_id, job_id=job_id, report_payload=report)
    )
    assert_type(job, JobSummary)
    return {"ok": True, "job_status": job.status.value, "total_value": str(portfolio.total_value)}
