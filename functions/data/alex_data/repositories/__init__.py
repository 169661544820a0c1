"""Repositories: static SQL named by intent, one statement (one Data API call) per method.

SQL lives in module constants with named parameters; identifiers are never interpolated.
Parameters carry their SQL type through `CAST(:p AS type)` wherever PostgreSQL could not infer
it, so the statements mean the same over the Data API and over a local endpoint.
"""

from alex_data.repositories.accounts import AccountRepository
from alex_data.repositories.instruments import InstrumentRepository
from alex_data.repositories.jobs import JobRepository
from alex_data.repositories.portfolio import PortfolioRepository
from alex_data.repositories.positions import PositionRepository
from alex_data.repositories.users import UserRepository

__all__ = [
    "AccountRepository",
    "InstrumentRepository",
    "JobRepository",
    "PortfolioRepository",
    "PositionRepository",
    "UserRepository",
]
