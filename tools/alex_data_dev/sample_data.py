"""Sample data as the layer's models: the demo user `make run` loads and plays a job for, and the
investor and fund the benchmarks seed by the hundred.

Everything here is a validated event or input model, so a sample that breaks a rule of the
schemas fails where it is written, not in the middle of a run.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from alex_schemas.events import CreateAccount, InstrumentIn, PriceIn, UpsertUser
from alex_schemas.vocab import AccountType, AssetClass, InstrumentType, Region, Sector

__all__ = [
    "ACCOUNTS",
    "ACCOUNT_401K",
    "ACCOUNT_ROTH",
    "HOLDINGS",
    "INSTRUMENTS",
    "JOB",
    "NEW_PRICES",
    "USER",
    "VEA_TAGGED",
    "fund",
    "investor",
]

USER = "user_demo_001"
ACCOUNT_401K = UUID("3f2a9c1e-5b7d-4e8a-9f10-2c4d6e8a0b11")
ACCOUNT_ROTH = UUID("5c7e1a2b-3d4f-4a6b-8c9d-0e1f2a3b4c5d")
JOB = UUID("9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d61")

_ALL_NORTH_AMERICA = {Region.NORTH_AMERICA: Decimal(100)}


def investor(clerk_user_id: str, display_name: str = "Demo Investor") -> UpsertUser:
    """A user 25 years from retirement, aiming at $85,000 a year, 70/30 equity and bonds."""
    return UpsertUser(
        clerk_user_id=clerk_user_id,
        display_name=display_name,
        years_until_retirement=25,
        target_retirement_income=Decimal("85000.00"),
        asset_class_targets={AssetClass.EQUITY: Decimal(70), AssetClass.FIXED_INCOME: Decimal(30)},
        region_targets={Region.NORTH_AMERICA: Decimal(60), Region.INTERNATIONAL: Decimal(40)},
    )


def fund(symbol: str, name: str, price: Decimal) -> InstrumentIn:
    """A global equity ETF, tagged in all three vocabularies as the tagger writes them."""
    return InstrumentIn(
        symbol=symbol,
        name=name,
        instrument_type=InstrumentType.ETF,
        current_price=price,
        allocation_regions={
            Region.NORTH_AMERICA: Decimal(60),
            Region.EUROPE: Decimal(25),
            Region.ASIA: Decimal(15),
        },
        allocation_sectors={
            Sector.TECHNOLOGY: Decimal(30),
            Sector.FINANCIALS: Decimal(15),
            Sector.HEALTHCARE: Decimal(15),
            Sector.INDUSTRIALS: Decimal(10),
            Sector.CONSUMER_DISCRETIONARY: Decimal(10),
            Sector.OTHER: Decimal(20),
        },
        allocation_asset_class={AssetClass.EQUITY: Decimal(100)},
    )


# What the demo user holds, and the instruments (VEA arrives untagged: the tagger's turn).
INSTRUMENTS: tuple[InstrumentIn, ...] = (
    InstrumentIn(
        symbol="SPY",
        name="SPDR S&P 500 ETF Trust",
        instrument_type=InstrumentType.ETF,
        current_price=Decimal("589.4200"),
        allocation_regions=_ALL_NORTH_AMERICA,
        allocation_sectors={
            Sector.TECHNOLOGY: Decimal("31.5"),
            Sector.FINANCIALS: Decimal("13.2"),
            Sector.HEALTHCARE: Decimal("11.8"),
            Sector.CONSUMER_DISCRETIONARY: Decimal("10.4"),
            Sector.COMMUNICATION: Decimal("9.1"),
            Sector.INDUSTRIALS: Decimal("8.5"),
            Sector.OTHER: Decimal("15.5"),
        },
        allocation_asset_class={AssetClass.EQUITY: Decimal(100)},
    ),
    InstrumentIn(
        symbol="BND",
        name="Vanguard Total Bond Market ETF",
        instrument_type=InstrumentType.BOND_FUND,
        current_price=Decimal("72.1500"),
        allocation_regions=_ALL_NORTH_AMERICA,
        allocation_sectors={
            Sector.TREASURY: Decimal(45),
            Sector.CORPORATE: Decimal(30),
            Sector.MORTGAGE: Decimal(25),
        },
        allocation_asset_class={AssetClass.FIXED_INCOME: Decimal(100)},
    ),
    InstrumentIn(
        symbol="VNQ",
        name="Vanguard Real Estate ETF",
        instrument_type=InstrumentType.REIT,
        current_price=Decimal("91.3000"),
        allocation_regions=_ALL_NORTH_AMERICA,
        allocation_sectors={Sector.REAL_ESTATE: Decimal(100)},
        allocation_asset_class={AssetClass.REAL_ESTATE: Decimal(100)},
    ),
    InstrumentIn(
        symbol="VEA",
        name="Vanguard FTSE Developed Markets ETF",
        instrument_type=InstrumentType.ETF,
        current_price=Decimal("50.8800"),
    ),
)
ACCOUNTS: tuple[CreateAccount, ...] = (
    CreateAccount(
        clerk_user_id=USER,
        account_id=ACCOUNT_401K,
        account_name="Employer 401(k)",
        account_type=AccountType.K401,
        account_purpose="Retirement, employer match",
        cash_balance=Decimal("1250.00"),
        cash_interest=Decimal("0.0425"),
    ),
    CreateAccount(
        clerk_user_id=USER,
        account_id=ACCOUNT_ROTH,
        account_name="Roth IRA",
        account_type=AccountType.ROTH_IRA,
        cash_balance=Decimal("300.00"),
    ),
)
# account -> symbol -> quantity
HOLDINGS: dict[UUID, dict[str, Decimal]] = {
    ACCOUNT_401K: {"SPY": Decimal(120), "BND": Decimal("210.5"), "VEA": Decimal(300)},
    ACCOUNT_ROTH: {"SPY": Decimal("35.25"), "VNQ": Decimal(80)},
}
NEW_PRICES: tuple[PriceIn, ...] = (
    PriceIn(symbol="SPY", current_price=Decimal("592.1800")),
    PriceIn(symbol="BND", current_price=Decimal("72.0400")),
    PriceIn(symbol="VNQ", current_price=Decimal("90.7600")),
    PriceIn(symbol="VEA", current_price=Decimal("51.2300")),
)
# The tagger's classification of VEA. It knows no prices, so the stored one stays.
VEA_TAGGED = InstrumentIn(
    symbol="VEA",
    name="Vanguard FTSE Developed Markets ETF",
    instrument_type=InstrumentType.ETF,
    allocation_regions={
        Region.EUROPE: Decimal(52),
        Region.ASIA: Decimal(33),
        Region.OCEANIA: Decimal(8),
        Region.NORTH_AMERICA: Decimal(7),
    },
    allocation_sectors={
        Sector.FINANCIALS: Decimal(21),
        Sector.INDUSTRIALS: Decimal(17),
        Sector.HEALTHCARE: Decimal(11),
        Sector.CONSUMER_DISCRETIONARY: Decimal(10),
        Sector.TECHNOLOGY: Decimal(9),
        Sector.OTHER: Decimal(32),
    },
    allocation_asset_class={AssetClass.EQUITY: Decimal(100)},
)
