"""Documents as the SQL builds them (column names, exact decimals), for the fake database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

USER = "user_unit_001"
OTHER_USER = "user_unit_002"
ACCOUNT_ID = "0d4e6f3a-1b2c-4d5e-8f90-a1b2c3d4e5f6"
JOB_ID = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"
T0 = "2026-11-25T09:00:00+00:00"
T1 = "2026-11-25T09:05:00+00:00"
T2 = "2026-11-25T09:10:00+00:00"


def user(**changes: Any) -> dict[str, Any]:
    return {
        "clerk_user_id": USER,
        "display_name": "Unit Investor",
        "years_until_retirement": 30,
        "target_retirement_income": Decimal("90000.00"),
        "asset_class_targets": {"equity": Decimal(70), "fixed_income": Decimal(30)},
        "region_targets": {"north_america": Decimal(50), "international": Decimal(50)},
        "created_at": T0,
        "updated_at": T0,
    } | changes


def instrument(symbol: str = "SPY", **changes: Any) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "name": f"{symbol} fund",
        "instrument_type": "etf",
        "current_price": Decimal("589.4200"),
        "allocation_regions": {"north_america": Decimal(100)},
        "allocation_sectors": {"technology": Decimal(100)},
        "allocation_asset_class": {"equity": Decimal(100)},
        "created_at": T0,
        "updated_at": T0,
    } | changes


def account(**changes: Any) -> dict[str, Any]:
    return {
        "id": ACCOUNT_ID,
        "clerk_user_id": USER,
        "account_name": "Roth IRA",
        "account_type": "roth_ira",
        "account_purpose": None,
        "cash_balance": Decimal("1500.00"),
        "cash_interest": Decimal("0.0450"),
        "created_at": T0,
        "updated_at": T0,
    } | changes


def position(symbol: str = "SPY", **changes: Any) -> dict[str, Any]:
    return {
        "id": "7e8f9a0b-1c2d-4e3f-8a5b-6c7d8e9f0a1b",
        "account_id": ACCOUNT_ID,
        "symbol": symbol,
        "quantity": Decimal("12.50000000"),
        "as_of_date": "2026-11-25",
        "created_at": T0,
        "updated_at": T0,
    } | changes


def job(status: str = "pending", **changes: Any) -> dict[str, Any]:
    started = T1 if status != "pending" else None
    completed = T2 if status in ("completed", "failed") else None
    return {
        "id": JOB_ID,
        "clerk_user_id": USER,
        "job_type": "portfolio_analysis",
        "status": status,
        "request_payload": {"analysis_type": "full", "weight": Decimal("0.5")},
        "report_payload": None,
        "charts_payload": None,
        "retirement_payload": None,
        "summary_payload": None,
        "error_message": "boom" if status == "failed" else None,
        "created_at": T0,
        "updated_at": T2,
        "started_at": started,
        "completed_at": completed,
    } | changes


def job_change(
    previous: str, *, changed: bool, same: bool, job_doc: dict[str, Any]
) -> dict[str, Any]:
    return {"previous_status": previous, "changed": changed, "same": same, "job": job_doc}
