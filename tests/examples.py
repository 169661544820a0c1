"""The example events under events/, shared by every tier that replays them."""

from __future__ import annotations

from pathlib import Path

EVENTS_DIR = Path(__file__).resolve().parents[1] / "events"

# events/README.md: the order in which the examples replay against an empty database,
# each step succeeding
REPLAY_ORDER = [
    "upsert_user",
    "get_user",
    "upsert_instruments",
    "update_prices",
    "get_instruments",
    "list_instruments",
    "create_account",
    "update_account",
    "upsert_position",
    "get_portfolio",
    "create_job",
    "start_job",
    "update_report",
    "update_charts",
    "update_retirement",
    "update_summary",
    "complete_job",
    "get_job",
    "list_jobs",
    "sqs_batch",
    "fail_job",
    "delete_position",
    "delete_account",
]
