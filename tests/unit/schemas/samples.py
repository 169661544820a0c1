"""Result payloads as the data function would answer them, for the schema and client tests."""

from __future__ import annotations

from typing import Any

from alex_schemas import Portfolio

USER = "user_demo_001"
ACCOUNT_ID = "3f2a9c1e-5b7d-4e8a-9f10-2c4d6e8a0b11"
JOB_ID = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d61"
T0 = "2026-11-25T09:00:00Z"


def user_view() -> dict[str, Any]:
    return {
        "clerk_user_id": USER,
        "display_name": "Demo Investor",
        "years_until_retirement": 25,
        "target_retirement_income": "85000.00",
        "asset_class_targets": {"equity": "70", "fixed_income": "30"},
        "region_targets": {"north_america": "60", "international": "40"},
        "created_at": T0,
        "updated_at": T0,
    }


def instrument_view(symbol: str = "SPY", price: str | None = "589.4200") -> dict[str, Any]:
    return {
        "symbol": symbol,
        "name": f"{symbol} fund",
        "instrument_type": "etf",
        "current_price": price,
        "allocation_regions": {"north_america": "100"},
        "allocation_sectors": {"technology": "60", "healthcare": "40"},
        "allocation_asset_class": {"equity": "100"},
        "created_at": T0,
        "updated_at": T0,
    }


def portfolio_payload() -> dict[str, Any]:
    return {
        "user": user_view(),
        "accounts": [
            {
                "id": ACCOUNT_ID,
                "clerk_user_id": USER,
                "account_name": "Employer 401(k)",
                "account_purpose": None,
                "account_type": "401k",
                "cash_balance": "1000.50",
                "cash_interest": "0.0425",
                "created_at": T0,
                "updated_at": T0,
                "positions": [
                    {
                        "id": "0b6f2b4e-8f6a-4d0e-9d6e-2f4c1a7b9e01",
                        "account_id": ACCOUNT_ID,
                        "symbol": "SPY",
                        "quantity": "10.5",
                        "as_of_date": "2026-11-24",
                        "created_at": T0,
                        "updated_at": T0,
                    },
                    {
                        "id": "0b6f2b4e-8f6a-4d0e-9d6e-2f4c1a7b9e02",
                        "account_id": ACCOUNT_ID,
                        "symbol": "NEWCO",
                        "quantity": "3",
                        "as_of_date": "2026-11-24",
                        "created_at": T0,
                        "updated_at": T0,
                    },
                ],
            }
        ],
        "instruments": {
            "SPY": instrument_view("SPY", "500.0000"),
            "NEWCO": {
                **instrument_view("NEWCO", None),
                "allocation_regions": {},
                "allocation_sectors": {},
                "allocation_asset_class": {},
            },
        },
    }


def portfolio() -> Portfolio:
    return Portfolio.model_validate(portfolio_payload())


def job_summary(status: str = "running") -> dict[str, Any]:
    return {
        "id": JOB_ID,
        "clerk_user_id": USER,
        "job_type": "portfolio_analysis",
        "status": status,
        "error_message": None,
        "created_at": T0,
        "updated_at": T0,
        "started_at": T0 if status != "pending" else None,
        "completed_at": None,
    }
