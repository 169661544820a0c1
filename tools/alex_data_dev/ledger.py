"""How `make run` prints its story: each event sent in brief, its result in brief, and the
Data API calls it took (the gateway's counter)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TextIO

from alex_schemas.events import Event
from alex_schemas.results import (
    AccountView,
    InstrumentsUpserted,
    JobSummary,
    JobView,
    Portfolio,
    PositionView,
    PricesUpdated,
    Result,
    UserView,
)

__all__ = ["Ledger", "brief", "compact", "money"]

_CENT = Decimal("0.01")


@dataclass
class Ledger:
    """Each event sent, with the Data API calls it took."""

    out: TextIO
    counter: Callable[[], int]
    steps: list[tuple[str, int]] = field(default_factory=list)

    def record(self, label: str, sent: str, brief: str, calls: int) -> None:
        self.steps.append((label, calls))
        note = "1 Data API call" if calls == 1 else f"{calls} Data API calls"
        print(f"  -> {label:<18} {_cut(sent, 84)}", file=self.out)
        print(f"     <- {_cut(brief, 86):<86} [{note}]", file=self.out)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def compact(event: Event[Any]) -> str:
    # The user and the job are the same throughout (the section headers name them).
    shown = event.model_dump(mode="json", exclude={"type", "clerk_user_id", "job_id"})
    return json.dumps(shown, separators=(",", ":")) if shown else "{}"


def money(value: Decimal) -> str:
    return f"${value.quantize(_CENT, ROUND_HALF_UP):,}"


def brief(result: Result) -> str:
    if isinstance(result, UserView):
        return f"user {result.clerk_user_id} '{result.display_name}', updated {_t(result)}"
    if isinstance(result, InstrumentsUpserted):
        return f"upserted {result.upserted}: {', '.join(result.symbols)}"
    if isinstance(result, PricesUpdated):
        unknown = ", ".join(result.unknown_symbols) or "none"
        return f"updated {result.updated} prices, unknown symbols: {unknown}"
    if isinstance(result, AccountView):
        return (
            f"account '{result.account_name}' ({result.account_type}), "
            f"cash {money(result.cash_balance)}"
        )
    if isinstance(result, PositionView):
        return f"position {result.symbol} x {result.quantity} as of {result.as_of_date}"
    if isinstance(result, Portfolio):
        positions = sum(len(a.positions) for a in result.accounts)
        return (
            f"{len(result.accounts)} accounts, {positions} positions, "
            f"{len(result.instruments)} instruments, total {money(result.total_value)}"
        )
    if isinstance(result, JobView):
        return _job_brief(result)
    if isinstance(result, JobSummary):
        return f"job {str(result.id)[:8]}… {result.status}, updated {_t(result)}"
    return type(result).__name__


def _t(result: UserView | JobSummary) -> str:
    return result.updated_at.strftime("%H:%M:%S.%fZ")[:-4] + "Z"


def _job_brief(job: JobView) -> str:
    parts = [f"job {str(job.id)[:8]}… {job.status}"]
    if job.report_payload is not None:
        parts.append(f"report {len(job.report_payload.content)} chars")
    if job.charts_payload is not None:
        parts.append(f"{len(job.charts_payload)} charts")
    if job.retirement_payload is not None:
        parts.append("retirement")
    if job.summary_payload is not None:
        parts.append(f"summary {len(job.summary_payload.model_dump(exclude_none=True))} keys")
    return ", ".join(parts)
