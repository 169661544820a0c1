"""The indexes the statements need exist and fit them: each user-scoped read is an index range
scan in the order it answers (no sort), whatever the tables hold.

Sequential scans are switched off for the EXPLAIN, so the plan shows whether an index *can*
serve the statement, not whether today's few test rows make a scan cheaper.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from alex_data.gateway import Gateway
from alex_data.repositories import jobs, portfolio
from pydantic import RootModel

ORDERED_PAGE: dict[str, Any] = {
    "clerk_user_id": "user_plan",
    "status": None,
    "job_type": None,
    "limit": 20,
}
# what the gateway adds to a paged statement: its first page
FIRST_PAGE: dict[str, Any] = {"page_start": 0, "page_rows": 100}


Plan = RootModel[list[dict[str, Any]]]


def _plan(db: Gateway, sql: str, params: dict[str, Any]) -> str:
    """The statement's plan, as PostgreSQL's JSON of it (node types and index names in full)."""
    with db.session().transaction() as tx:
        tx.execute("SET LOCAL enable_seqscan = off")
        plan = tx.document("EXPLAIN (FORMAT JSON) " + sql, params, Plan)
    assert plan is not None
    return json.dumps(plan.root, indent=1, default=str)


@pytest.mark.parametrize(
    "after",
    [
        {"after_created_at": None, "after_id": None},
        {"after_created_at": datetime(2026, 11, 25, tzinfo=UTC), "after_id": uuid4()},
    ],
    ids=["first page", "next page"],
)
def test_list_jobs_reads_the_users_index_in_page_order(db: Gateway, after: dict[str, Any]) -> None:
    plan = _plan(db, jobs.LIST_JOBS, ORDERED_PAGE | after | FIRST_PAGE)
    assert "jobs_user_created_idx" in plan, plan
    assert "Sort" not in plan, plan


def test_the_portfolio_is_three_index_lookups(db: Gateway) -> None:
    plan = _plan(db, portfolio.GET_PORTFOLIO, {"clerk_user_id": "user_plan"} | FIRST_PAGE)
    for index in (
        "users_pkey",
        "accounts_user_created_idx",
        "positions_account_symbol_key",
        "instruments_pkey",
    ):
        assert index in plan, plan
    assert "Seq Scan" not in plan, plan
